import { createHash } from 'node:crypto';
import sharp, { type Metadata } from 'sharp';
import { mediaErrors } from './media.errors.js';
import type { MediaSlot } from './vocabulary.js';

/**
 * What an upload becomes: the picture checked by its bytes (never its name or declared type),
 * then encoded once per size the pages draw, as WebP. Every browser our pages run in decodes
 * WebP (the module scripts they need came later), so a JPEG copy would double the storage for
 * no reader.
 */

/** A phone photo is 3–6 MB; 8 MB leaves room and keeps a request's memory bounded. */
export const MAX_UPLOAD_BYTES = 8 * 1_048_576;
/** 40 MP covers any camera's output and refuses decompression bombs (a tiny PNG of 100k×100k). */
export const MAX_PIXELS = 40_000_000;

interface Size {
  name: string;
  /** The box the picture is fitted inside, keeping its proportions. */
  width: number;
  height?: number;
}

interface SlotRules {
  /** Smaller than this looks blurred at the size the page draws it. */
  minWidth: number;
  minHeight: number;
  sizes: Size[];
}

export const SLOT_RULES: Record<MediaSlot, SlotRules> = {
  // The result card draws the image 400 px wide, the event page's hero up to 1200 px: 2x for dense screens.
  image: {
    minWidth: 400,
    minHeight: 200,
    sizes: [
      { name: 'card', width: 400 },
      { name: 'card2x', width: 800 },
      { name: 'hero', width: 1200 },
      { name: 'hero2x', width: 2400 },
    ],
  },
  // The queue page draws the logo at most 240×96.
  logo: {
    minWidth: 48,
    minHeight: 48,
    sizes: [
      { name: 'logo', width: 240, height: 96 },
      { name: 'logo2x', width: 480, height: 192 },
    ],
  },
};

export type ImageFormat = 'jpeg' | 'png' | 'webp';

/** The format the first bytes announce, or null: JPEG's SOI marker, PNG's signature, a RIFF WEBP container. */
export function sniff(bytes: Buffer): ImageFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP')
    return 'webp';
  return null;
}

export interface EncodedVariant {
  name: string;
  width: number;
  height: number;
  file: string;
  contentType: string;
  bytes: Buffer;
}

export interface ProcessedImage {
  width: number;
  height: number;
  variants: EncodedVariant[];
}

/** The WebP quality of photos on the web's large sites; visibly the same as the source at these sizes. */
const WEBP_QUALITY = 80;

/** Checks an upload and encodes the slot's sizes; throws the media refusals (415, 422). */
export async function processUpload(bytes: Buffer, slot: MediaSlot): Promise<ProcessedImage> {
  if (bytes.length === 0) throw mediaErrors.empty();
  if (bytes.length > MAX_UPLOAD_BYTES) throw mediaErrors.tooLarge(MAX_UPLOAD_BYTES);
  const format = sniff(bytes);
  if (!format) throw mediaErrors.unsupportedType('The file');
  const rules = SLOT_RULES[slot];
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw mediaErrors.notAnImage();
  }
  if (meta.format !== format) throw mediaErrors.notAnImage();
  // EXIF orientation 5–8 turns the picture a quarter: its upright size swaps width and height.
  const turned = (meta.orientation ?? 1) >= 5;
  const width = (turned ? meta.height : meta.width) ?? 0;
  const height = (turned ? meta.width : meta.height) ?? 0;
  if (width * height > MAX_PIXELS) throw mediaErrors.tooManyPixels(MAX_PIXELS);
  if (width < rules.minWidth || height < rules.minHeight)
    throw mediaErrors.tooSmall(rules.minWidth, rules.minHeight, width, height);

  const variants: EncodedVariant[] = [];
  try {
    // Decoded once, upright and shrunk to the largest size (JPEG shrinks while decoding); each
    // size is then made from those pixels, not from the upload again.
    const largest = rules.sizes.at(-1)!;
    const { data: pixels, info: base } = await sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' })
      .rotate()
      .resize({ width: largest.width, height: largest.height, fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const raw = { width: base.width, height: base.height, channels: base.channels };
    for (const size of rules.sizes) {
      // Never enlarged: a 1000 px upload's hero2x is the 1000 px picture, not a blurred 2400 px one.
      const { data, info } = await sharp(pixels, { raw })
        .resize({ width: size.width, height: size.height, fit: 'inside', withoutEnlargement: true })
        .webp({ quality: WEBP_QUALITY })
        .toBuffer({ resolveWithObject: true });
      const hash = createHash('sha256').update(data).digest('hex').slice(0, 32);
      variants.push({
        name: size.name,
        width: info.width,
        height: info.height,
        file: `${hash}.webp`,
        contentType: 'image/webp',
        bytes: data,
      });
    }
  } catch {
    // Headers that parse over a body that does not: a truncated or damaged file.
    throw mediaErrors.notAnImage();
  }
  return { width, height, variants };
}
