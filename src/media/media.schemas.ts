import { z } from 'zod';
import { mediaSlots } from './vocabulary.js';

/** Requests and answers of event pictures and branding; the OpenAPI reference is generated from these. */

export const brandingLanguages = ['en', 'de', 'es'] as const;
export type BrandingLanguage = (typeof brandingLanguages)[number];

/** A queue-page message reads in a glance: a few sentences at most. */
export const MAX_MESSAGE_CHARS = 500;
export const MAX_ALT_CHARS = 250;

export const slotParams = z.object({ id: z.uuid(), slot: z.enum(mediaSlots) });
export const eventParams = z.object({ id: z.uuid() });

const altText = z
  .string()
  .trim()
  .min(1, 'describe the picture for people who cannot see it')
  .max(MAX_ALT_CHARS)
  .describe('What the picture shows, read aloud to people who cannot see it. Required.');

export const uploadQuery = z.strictObject({ alt: altText });
export const altBody = z.strictObject({ alt: altText });

export const sizeSchema = z.object({ url: z.string(), width: z.int(), height: z.int() });

export const pictureSchema = z.object({
  alt: z.string(),
  width: z.int().describe('The uploaded picture’s width in pixels.'),
  height: z.int(),
  /** Named sizes (`card`, `card2x`, `hero`, `hero2x`; `logo`, `logo2x`), each at a content-hashed URL. */
  sizes: z.record(z.string(), sizeSchema),
});
export type PictureView = z.infer<typeof pictureSchema>;

/** Plain text: control characters other than line breaks are refused, so what is stored is what is shown. */
const message = z
  .string()
  .trim()
  .max(MAX_MESSAGE_CHARS)
  // eslint-disable-next-line no-control-regex
  .refine((text) => !/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text), 'must be plain text (no control characters)');

export const brandingBody = z.strictObject({
  accent: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb')
    .transform((c) => c.toLowerCase())
    .nullable()
    .describe('Buttons and links on the queue page; must reach 4.5:1 against the page and against white text.'),
  messages: z
    .strictObject({ en: message.optional(), de: message.optional(), es: message.optional() })
    .describe('The queue page’s message per language, plain text; an empty or missing one falls back to English.'),
});
export type BrandingInput = z.output<typeof brandingBody>;

export const brandingQuery = z.strictObject({
  lang: z.enum(brandingLanguages).optional().describe('The language to resolve `message` in (default en).'),
});

export const brandingSchema = z.object({
  eventId: z.uuid(),
  accent: z.string().nullable(),
  messages: z.object({ en: z.string().optional(), de: z.string().optional(), es: z.string().optional() }),
  /** The message in the language asked for, or English when there is none in it. */
  message: z.object({ lang: z.enum(brandingLanguages), text: z.string() }).nullable(),
  image: pictureSchema.nullable(),
  logo: pictureSchema.nullable(),
});
export type BrandingView = z.infer<typeof brandingSchema>;
