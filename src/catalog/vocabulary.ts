/**
 * The catalogue's words and shapes, as plain values and types: its table stores them, its request
 * schemas validate them and discovery returns them, all from this one list.
 */

/** How to get to a venue; shown with every discovery result. */
export interface Transit {
  stops: { name: string; lines: string[]; walkingMinutes: number }[];
  parking: string | null;
}

export const eventStatuses = [
  'draft',
  'scheduled',
  'on_sale',
  'sold_out',
  'postponed',
  'cancelled',
  'completed',
] as const;
export type EventStatus = (typeof eventStatuses)[number];
export const tierKinds = ['reserved', 'ga'] as const;
export type TierKind = (typeof tierKinds)[number];
