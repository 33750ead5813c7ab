/**
 * RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled. A field
 * starting with = + - @ (or a tab or carriage return) is prefixed with a quote mark so a
 * spreadsheet shows it as text instead of running it as a formula (a fan's name is input).
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(fields: readonly (string | number | null | undefined)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
