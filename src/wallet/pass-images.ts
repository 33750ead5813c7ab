import sharp from 'sharp';

/**
 * The images every .pkpass must carry (icon, logo, each at 1x and 2x), drawn once from the
 * site's mark (web/favicon.svg) at the sizes Apple's guide names: icon 29 pt, logo 160×50 pt.
 */
const MARK =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0b5cad"/><path d="M9 23V9h13v3.2h-9.2v2.6H21V18h-8.2v5z" fill="#fff"/></svg>';

const LOGO = (scale: number) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${160 * scale}" height="${50 * scale}" viewBox="0 0 160 50">` +
  `<g transform="translate(0 9)">${MARK.replace(/^<svg[^>]*>|<\/svg>$/g, '')}</g>` +
  '<text x="40" y="33" font-family="DejaVu Sans, Arial, sans-serif" font-size="22" font-weight="700" fill="#ffffff">Fairdrop</text></svg>';

async function draw(): Promise<Record<string, Buffer>> {
  const icon = (px: number) => sharp(Buffer.from(MARK)).resize(px, px).png().toBuffer();
  const logo = (scale: number) =>
    sharp(Buffer.from(LOGO(scale)))
      .png()
      .toBuffer();
  const [icon1, icon2, logo1, logo2] = await Promise.all([icon(29), icon(58), logo(1), logo(2)]);
  return { 'icon.png': icon1, 'icon@2x.png': icon2, 'logo.png': logo1, 'logo@2x.png': logo2 };
}

let images: Promise<Record<string, Buffer>> | undefined;

/** The pass images, drawn on first use and kept. */
export function passImages(): Promise<Record<string, Buffer>> {
  images ??= draw().catch((err: unknown) => {
    images = undefined;
    throw err;
  });
  return images;
}
