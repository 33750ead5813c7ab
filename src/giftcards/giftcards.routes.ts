import { z } from 'zod';
import type { Config } from '../config.js';
import { requestHash } from '../http/idempotency.js';
import { defineRoute, Reply, type AnyRoute } from '../http/route.js';
import { cardTender, currency, toSource } from '../payments/payments.schemas.js';
import type { GiftCardService } from './giftcards.service.js';

const tag = 'Gift cards';

/** 5 to 500 in the currency's major unit: covers a ticket or a few; larger amounts are a fraud magnet. */
const amountCents = z.number().int().min(500).max(50_000);

const giftCard = z.object({
  id: z.uuid(),
  codeLast4: z.string(),
  currency: z.string(),
  initialCents: z.number().int(),
  balanceCents: z.number().int(),
  source: z.enum(['issued', 'purchased']),
  scope: z
    .enum(['platform', 'organizer'])
    .describe('`platform`: pays for any event; `organizer`: only for the events of `organizer`'),
  organizer: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  createdAt: z.date().transform((d) => d.toISOString()),
});

const issued = giftCard.extend({
  code: z
    .string()
    .nullable()
    .describe('Shown in this answer only and stored hashed; null when the request was a replay'),
});

export function giftCardRoutes(giftCards: GiftCardService, config: Config): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/gift-cards',
      summary:
        "Issue a gift card; the code is shown once. An admin's pays for any event, an organizer's only for their own",
      tag,
      access: { roles: ['organizer'] },
      body: z.strictObject({ amountCents, currency, note: z.string().max(500).optional() }),
      // The generic replay store would keep the code; the service deduplicates Idempotency-Key itself.
      idempotency: 'off',
      response: { status: 201, schema: issued },
      errors: ['idempotency.key_reused', 'idempotency.invalid_key'],
      handler: async (ctx) => {
        const card = await giftCards.issue(ctx.user, ctx.body, {
          key: ctx.requestHeader('idempotency-key'),
          hash: requestHash('post', '/v1/gift-cards', ctx.body),
        });
        // A replay answers 200 with the first card and no code.
        return new Reply(card.code ? 201 : 200, card);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/gift-cards/purchase',
      summary: 'Buy a gift card with a card (needs an Idempotency-Key); the code is shown once',
      tag,
      access: 'user',
      body: z.strictObject({ amountCents, currency, payment: z.strictObject({ card: cardTender }) }),
      idempotency: 'off',
      response: {
        status: 201,
        schema: issued.extend({
          payment: z
            .object({ provider: z.enum(['stripe', 'sandbox']), sandbox: z.boolean(), intentId: z.string() })
            .nullable(),
        }),
      },
      errors: [
        'payments.card_declined',
        'payments.insufficient_funds',
        'payments.authentication_required',
        'idempotency.key_required',
        'idempotency.invalid_key',
        'idempotency.key_reused',
      ],
      handler: async (ctx) => {
        const card = await giftCards.purchase(
          ctx.user,
          { ...ctx.body, source: toSource(ctx.body.payment.card) },
          { key: ctx.requestHeader('idempotency-key'), hash: requestHash('post', '/v1/gift-cards/purchase', ctx.body) },
        );
        return new Reply(card.code ? 201 : 200, card);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/gift-cards/balance',
      summary: 'The balance of a gift card and the events it pays for (rate limited per IP)',
      tag,
      access: 'optional',
      query: z.strictObject({ code: z.string().min(8).max(40) }),
      response: { status: 200, schema: giftCard.omit({ initialCents: true, createdAt: true, source: true }) },
      errors: ['giftcards.not_found', 'rate_limited'],
      rateLimits: ({ ip }) => [
        { bucket: 'giftcard-balance', subject: ip, limit: config.GIFT_CARD_LOOKUPS_PER_MINUTE, windowSeconds: 60 },
      ],
      handler: async (ctx) => {
        ctx.setHeader('Cache-Control', 'no-store');
        return giftCards.balance(ctx.query.code);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/gift-cards/issued',
      summary: 'Issued gift cards, newest first: an organizer sees the ones they issued, an admin all',
      tag,
      access: { roles: ['organizer'] },
      query: z.strictObject({
        cursor: z.string().max(200).optional().describe('`nextCursor` of the previous page.'),
        limit: z.coerce.number().int().min(1).max(100).default(50),
      }),
      response: {
        status: 200,
        schema: z.object({
          items: z.array(
            giftCard.extend({
              note: z.string().nullable(),
              issuer: z.object({ id: z.uuid(), name: z.string() }),
            }),
          ),
          nextCursor: z.string().nullable(),
        }),
      },
      errors: ['giftcards.bad_cursor'],
      handler: async (ctx) => {
        ctx.setHeader('Cache-Control', 'no-store');
        return giftCards.listIssued(ctx.user, ctx.query);
      },
    }),
  ];
}
