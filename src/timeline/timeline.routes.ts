import { z } from 'zod';
import type { Db } from '../db/types.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import type { PlatformSigner } from '../shared/signing.js';
import { listTimeline } from './timeline.repository.js';

export const receiptSchema = z.object({
  v: z.literal(1),
  userId: z.uuid(),
  seq: z.number().int(),
  kind: z.string(),
  subjectType: z.string(),
  subjectId: z.string(),
  eventId: z.uuid().nullable(),
  actorId: z.uuid().nullable(),
  data: z.record(z.string(), z.unknown()),
  occurredAt: z.iso.datetime(),
  prevHash: z.string(),
  hash: z.string(),
  signature: z.string().describe('Ed25519 over the canonical JSON of every field except hash, signature and keyId'),
  keyId: z.string(),
});

export function timelineRoutes(db: Db, signer: PlatformSigner): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/me/timeline',
      summary: 'My signed, hash-chained receipts, oldest first',
      tag: 'Receipts',
      access: 'user',
      query: z.object({
        afterSeq: z.coerce.number().int().min(0).default(0),
        limit: z.coerce.number().int().min(1).max(500).default(200),
      }),
      response: {
        status: 200,
        schema: z.object({ receipts: z.array(receiptSchema), nextAfterSeq: z.number().int().nullable() }),
      },
      handler: async (ctx) => {
        const receipts = await listTimeline(db, signer, ctx.user.userId, ctx.query);
        const last = receipts.at(-1);
        return { receipts, nextAfterSeq: receipts.length === ctx.query.limit && last ? last.seq : null };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/receipts/key',
      summary: 'The platform public key that signs receipts',
      tag: 'Receipts',
      access: 'public',
      response: {
        status: 200,
        schema: z.object({ keyId: z.string(), algorithm: z.literal('Ed25519'), publicKeyPem: z.string() }),
      },
      handler: async (ctx) => {
        ctx.setHeader('Cache-Control', 'public, max-age=3600');
        return { keyId: signer.keyId, algorithm: 'Ed25519' as const, publicKeyPem: signer.publicKeyPem };
      },
    }),
  ];
}
