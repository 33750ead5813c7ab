/**
 * WCAG 2.x contrast. The accent colour fills buttons under white text and colours links and
 * borders on the page's background, so it must read against both (AA for body text: 4.5:1).
 */

export const MIN_CONTRAST = 4.5;
/** `--wash` in web/styles.css: the background the queue page's accent sits on. */
export const PAGE_BACKGROUND = '#f3f5f8';
export const BUTTON_TEXT = '#ffffff';

function channel(c: number): number {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

/** Relative luminance of `#rrggbb`. */
export function luminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  return 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** The first of the accent's two pairings that falls short of AA, or null when both read. */
export function contrastShortfall(accent: string): { ratio: number; against: string } | null {
  const checks = [
    { against: `the page background ${PAGE_BACKGROUND}`, ratio: contrastRatio(accent, PAGE_BACKGROUND) },
    { against: `white button text ${BUTTON_TEXT}`, ratio: contrastRatio(accent, BUTTON_TEXT) },
  ];
  return checks.find((c) => c.ratio < MIN_CONTRAST) ?? null;
}
