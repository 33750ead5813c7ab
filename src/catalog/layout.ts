/**
 * Compact seat layouts: `{section: "A", rows: "1-20", seats: "1-30"}` or the same as a string,
 * "section A rows 1-20 seats 1-30", expanded into one row per seat. Pure functions, so the
 * organizer console can preview a layout with the same code.
 */

export interface LayoutBlock {
  section: string;
  rows: string;
  seats: string;
  /** Seat numbers in every row ("1-2"), whole rows ("row 20"), or seats of one row ("row 20 seats 1-4"). */
  accessible?: string[];
}

export interface SeatSpec {
  section: string;
  row: string;
  rowIndex: number;
  number: number;
  accessible: boolean;
}

/** One request adds at most this many seats: a 20,000-seat arena in one call, and a bound on the insert. */
export const MAX_SEATS_PER_LAYOUT = 20_000;
const MAX_SEAT_NUMBER = 10_000;

/**
 * Why a layout cannot be read, with the facts each reason names: the API's message is the
 * English below; the organizer's preview says it in the page's language from the same reason.
 */
const REASONS = {
  shape: () => 'must read like "section A rows 1-20 seats 1-30"',
  notRange: (v: { part: string }) => `"${v.part}" is not a number, a letter or a range such as 1-20`,
  mixed: (v: { part: string }) => `"${v.part}" mixes numbers and letters`,
  seatLetters: () => 'seat numbers must be numbers, so that neighbours are known',
  downwards: (v: { part: string }) => `"${v.part}" must run upwards from 1 or more`,
  tooHigh: (v: { max: number }) => `numbers go up to ${v.max}`,
  tooMany: (v: { max: number }) => `a layout adds at most ${v.max} seats`,
  twice: () => 'names a row or seat twice',
  rowMissing: (v: { row: string }) => `row ${v.row} is not in this block`,
  sectionLength: () => 'must be 1 to 40 characters',
} as const;
export type LayoutReason = keyof typeof REASONS;
type FactsOf<R extends LayoutReason> = Parameters<(typeof REASONS)[R]>[0];

export class LayoutError<R extends LayoutReason = LayoutReason> extends Error {
  readonly values: FactsOf<R> | undefined;
  constructor(
    readonly field: string,
    readonly reason: R,
    ...values: FactsOf<R> extends undefined ? [] : [FactsOf<R>]
  ) {
    super((REASONS[reason] as (v?: FactsOf<R>) => string)(values[0] as FactsOf<R>));
    this.values = values[0] as FactsOf<R> | undefined;
  }
}

const LAYOUT_STRING = /^\s*section\s+(\S+)\s+rows?\s+(\S+)\s+seats?\s+(\S+)\s*$/i;
const ROW_ACCESSIBLE = /^\s*rows?\s+(\S+)(?:\s+seats?\s+(\S+))?\s*$/i;

export function parseLayoutString(text: string, field: string): Omit<LayoutBlock, 'accessible'> {
  const match = LAYOUT_STRING.exec(text.replace(/[–—]/g, '-'));
  if (!match) throw new LayoutError(field, 'shape');
  return { section: match[1]!, rows: match[2]!, seats: match[3]! };
}

/** A row label's distance from the stage: numbers as they are, letters as A=1 … Z=26, AA=27. */
export function rowIndexOf(label: string): number {
  if (/^\d+$/.test(label)) return Number(label);
  return [...label.toUpperCase()].reduce((n, ch) => n * 26 + (ch.charCodeAt(0) - 64), 0);
}

function letterLabel(index: number): string {
  let label = '';
  for (let n = index; n > 0; n = Math.floor((n - 1) / 26)) label = String.fromCharCode(65 + ((n - 1) % 26)) + label;
  return label;
}

/** "1-20", "A-F", "1,3,5-7" → the labels in order. Numbers and letters do not mix inside one range. */
export function expandLabels(spec: string, field: string, numericOnly = false): string[] {
  const labels: string[] = [];
  for (const part of spec.replace(/[–—]/g, '-').split(',')) {
    const range = /^\s*(\d+|[A-Za-z]{1,2})\s*(?:-\s*(\d+|[A-Za-z]{1,2}))?\s*$/.exec(part);
    if (!range) throw new LayoutError(field, 'notRange', { part: part.trim() });
    const [from, to = from] = [range[1]!, range[2]];
    const numeric = /^\d+$/.test(from);
    if (numeric !== /^\d+$/.test(to)) throw new LayoutError(field, 'mixed', { part: part.trim() });
    if (numericOnly && !numeric) throw new LayoutError(field, 'seatLetters');
    const [a, b] = [rowIndexOf(from), rowIndexOf(to)];
    if (a < 1 || b < a) throw new LayoutError(field, 'downwards', { part: part.trim() });
    if (b > MAX_SEAT_NUMBER) throw new LayoutError(field, 'tooHigh', { max: MAX_SEAT_NUMBER });
    for (let i = a; i <= b; i++) labels.push(numeric ? String(i) : letterLabel(i));
    if (labels.length > MAX_SEATS_PER_LAYOUT) throw new LayoutError(field, 'tooMany', { max: MAX_SEATS_PER_LAYOUT });
  }
  if (new Set(labels).size !== labels.length) throw new LayoutError(field, 'twice');
  return labels;
}

function accessibleTest(
  entries: readonly string[],
  rows: readonly string[],
  field: string,
): (row: string, seat: number) => boolean {
  const tests = entries.map((entry, i) => {
    const where = `${field}.${i}`;
    const rowMatch = ROW_ACCESSIBLE.exec(entry);
    if (rowMatch) {
      const rowSet = new Set(expandLabels(rowMatch[1]!, where).map((r) => r.toUpperCase()));
      for (const r of rowSet)
        if (!rows.some((row) => row.toUpperCase() === r)) throw new LayoutError(where, 'rowMissing', { row: r });
      const seatSet = rowMatch[2] ? new Set(expandLabels(rowMatch[2], where, true).map(Number)) : null;
      return (row: string, seat: number) => rowSet.has(row.toUpperCase()) && (seatSet === null || seatSet.has(seat));
    }
    const seatSet = new Set(expandLabels(entry, where, true).map(Number));
    return (_row: string, seat: number) => seatSet.has(seat);
  });
  return (row, seat) => tests.some((t) => t(row, seat));
}

/** Every seat of a block, front row first. Throws LayoutError naming the offending field. */
export function expandBlock(block: LayoutBlock, field: string): SeatSpec[] {
  const section = block.section.trim();
  if (!section || section.length > 40) throw new LayoutError(`${field}.section`, 'sectionLength');
  const rows = expandLabels(block.rows, `${field}.rows`);
  const numbers = expandLabels(block.seats, `${field}.seats`, true).map(Number);
  if (rows.length * numbers.length > MAX_SEATS_PER_LAYOUT) {
    throw new LayoutError(field, 'tooMany', { max: MAX_SEATS_PER_LAYOUT });
  }
  const accessible = accessibleTest(block.accessible ?? [], rows, `${field}.accessible`);
  return rows.flatMap((row) =>
    numbers.map((number) => ({ section, row, rowIndex: rowIndexOf(row), number, accessible: accessible(row, number) })),
  );
}
