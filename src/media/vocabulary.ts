/** The media module's words, shared by its table, its schemas and the read models that show pictures. */

export const mediaSlots = ['image', 'logo'] as const;
export type MediaSlot = (typeof mediaSlots)[number];

/** One encoded size of an uploaded picture, as the pages ask for it. */
export interface StoredVariant {
  /** `card`, `card2x`, `hero`, `hero2x`, `logo`, `logo2x`. */
  name: string;
  width: number;
  height: number;
  /** The file's name in its URL: the content hash and the extension (`3f…9a.webp`). */
  file: string;
}
