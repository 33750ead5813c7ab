import { z } from 'zod';
import { defineRoute, Reply, type AnyRoute } from '../http/route.js';
import { MAX_UPLOAD_BYTES } from './images.js';
import {
  altBody,
  brandingBody,
  brandingQuery,
  brandingSchema,
  eventParams,
  pictureSchema,
  slotParams,
  uploadQuery,
} from './media.schemas.js';
import type { MediaService } from './media.service.js';

const tag = 'Images and branding';
const organizer = { roles: ['organizer'] } as const;
const pictureRefusals = [
  'catalog.event_not_found',
  'catalog.not_organizer',
  'request.too_large',
  'request.unsupported_media_type',
  'media.unsupported_type',
  'media.not_an_image',
  'media.too_small',
  'media.too_many_pixels',
  'media.empty',
];
/** A year: the URL names the bytes' hash, so what it names never changes. */
const FOREVER = 'public, max-age=31536000, immutable';

export function mediaRoutes(service: MediaService): AnyRoute[] {
  return [
    defineRoute({
      method: 'put',
      path: '/v1/events/:id/media/:slot',
      summary:
        'Upload the event’s image or its queue-page logo (JPEG, PNG or WebP, up to 8 MB): checked by its bytes, resized to the sizes the pages draw, served as WebP',
      tag,
      access: organizer,
      params: slotParams,
      query: uploadQuery,
      body: z.instanceof(Buffer),
      upload: {
        types: ['image/jpeg', 'image/png', 'image/webp', 'application/octet-stream'],
        maxBytes: MAX_UPLOAD_BYTES,
      },
      // The same bytes and words give the same picture: a retry stores nothing new.
      idempotency: 'natural',
      response: { status: 200, schema: pictureSchema },
      errors: pictureRefusals,
      handler: (ctx) => service.upload(ctx.user, ctx.params.id, ctx.params.slot, ctx.query.alt, ctx.body),
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/events/:id/media/:slot',
      summary: 'Change the words describing the event’s image or logo',
      tag,
      access: organizer,
      params: slotParams,
      body: altBody,
      idempotency: 'natural',
      response: { status: 200, schema: pictureSchema },
      errors: ['catalog.event_not_found', 'catalog.not_organizer', 'media.no_picture'],
      handler: (ctx) => service.setAlt(ctx.user, ctx.params.id, ctx.params.slot, ctx.body.alt),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/events/:id/media/:slot',
      summary: 'Remove the event’s image or logo',
      tag,
      access: organizer,
      params: slotParams,
      idempotency: 'natural',
      response: { status: 204 },
      errors: ['catalog.event_not_found', 'catalog.not_organizer', 'media.no_picture'],
      handler: async (ctx) => {
        await service.remove(ctx.user, ctx.params.id, ctx.params.slot);
        return new Reply(204, undefined);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/:id/branding',
      summary:
        'The event’s queue-page branding: accent colour, message (in the language asked, else English), image and logo',
      tag,
      access: 'optional',
      params: eventParams,
      query: brandingQuery,
      response: { status: 200, schema: brandingSchema },
      errors: ['catalog.event_not_found'],
      handler: (ctx) => service.branding(ctx.principal, ctx.params.id, ctx.query.lang ?? 'en'),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/events/:id/branding',
      summary:
        'Set the queue page’s accent colour (refused below 4.5:1 contrast, naming the ratio) and its message in English, German and Spanish (plain text)',
      tag,
      access: organizer,
      params: eventParams,
      body: brandingBody,
      idempotency: 'natural',
      response: { status: 200, schema: brandingSchema },
      errors: ['catalog.event_not_found', 'catalog.not_organizer', 'branding.low_contrast'],
      handler: (ctx) => service.setBranding(ctx.user, ctx.params.id, ctx.body),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/media/:file',
      summary: 'A stored picture by its content-hashed name; cacheable for a year, with an ETag',
      tag,
      access: 'public',
      params: z.object({ file: z.string().regex(/^[0-9a-f]{32}\.webp$/, 'a picture’s name from an API answer') }),
      response: { status: 200, description: 'The picture’s bytes (image/webp)' },
      errors: ['media.not_found'],
      handler: async (ctx) => {
        const file = await service.file(ctx.params.file);
        return new Reply(200, file.bytes, {
          'Content-Type': file.contentType,
          'Cache-Control': FOREVER,
          ETag: `"${ctx.params.file.split('.')[0]!}"`,
        });
      },
    }),
  ];
}
