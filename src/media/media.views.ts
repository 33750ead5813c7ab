import type { PictureView } from './media.schemas.js';
import type { StoredVariant } from './vocabulary.js';

/** Where a stored file is served: its name is the hash of its bytes, so the URL is cacheable for good. */
export const mediaUrl = (file: string) => `/v1/media/${file}`;

/** A stored picture as the API answers it; the read models (discovery) share this shape. */
export function pictureView(row: {
  alt: string;
  width: number;
  height: number;
  variants: StoredVariant[];
}): PictureView {
  return {
    alt: row.alt,
    width: row.width,
    height: row.height,
    sizes: Object.fromEntries(
      row.variants.map((v) => [v.name, { url: mediaUrl(v.file), width: v.width, height: v.height }]),
    ),
  };
}
