import type { PictureView } from '../../../src/media/media.schemas.js';
import { h } from './dom.js';

/**
 * An organizer's picture as an <img>: every stored size in `srcset`, so the browser picks the
 * one its layout and screen need; the organizer's words as `alt`; width and height so the page
 * does not jump when it arrives.
 */
const USES = {
  // A result card: up to 400 px wide on a phone, about 300 px in the grid.
  card: { names: ['card', 'card2x'], sizes: '(max-width: 600px) 100vw, 400px' },
  // The event page's picture across the page's column (max 960 px).
  hero: { names: ['card', 'card2x', 'hero', 'hero2x'], sizes: '(max-width: 960px) 100vw, 960px' },
  // The queue page's logo, at most 240 × 96.
  logo: { names: ['logo', 'logo2x'], sizes: '240px' },
} as const;

export function pictureElement(
  picture: PictureView,
  use: keyof typeof USES,
  attrs: { class?: string; eager?: boolean } = {},
): HTMLImageElement {
  const { names, sizes } = USES[use];
  const chosen = names.map((n) => picture.sizes[n]).filter((s) => s !== undefined);
  const first = chosen[0]!;
  return h('img', {
    src: first.url,
    srcset: chosen.map((s) => `${s.url} ${s.width}w`).join(', '),
    sizes,
    width: String(first.width),
    height: String(first.height),
    alt: picture.alt,
    class: attrs.class,
    loading: attrs.eager ? undefined : 'lazy',
    decoding: 'async',
  });
}

/**
 * Shows a picture in `container` (hidden without one). Pages that render again on every poll
 * call it each time: the <img> is replaced only when the picture or its words changed, so it
 * never flickers or loads twice.
 */
export function showPicture(
  container: HTMLElement,
  picture: PictureView | null | undefined,
  use: keyof typeof USES,
  attrs: { class?: string; eager?: boolean } = {},
): void {
  const key = picture ? `${Object.values(picture.sizes)[0]?.url ?? ''} ${picture.alt}` : '';
  if (container.dataset.picture === key && (key !== '' || container.hidden)) return;
  container.dataset.picture = key;
  container.hidden = !picture;
  container.replaceChildren(picture ? pictureElement(picture, use, attrs) : '');
}
