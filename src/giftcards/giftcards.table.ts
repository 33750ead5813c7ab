import { sql } from 'drizzle-orm';
import { bigserial, check, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.table.js';

/**
 * A gift card's balance lives on the card row (so a debit is one conditional UPDATE that two
 * concurrent orders cannot both pass) and is mirrored by the ledger: every change writes a
 * ledger row in the same transaction, so the ledger always sums to the balance.
 */
export const giftCards = pgTable(
  'gift_cards',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** SHA-256 of the normalized code: the code is shown once and never stored. */
    codeHash: text('code_hash').notNull().unique(),
    codeLast4: text('code_last4').notNull(),
    currency: text('currency').notNull(),
    initialCents: integer('initial_cents').notNull(),
    balanceCents: integer('balance_cents').notNull(),
    source: text('source', { enum: ['issued', 'purchased'] }).notNull(),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    note: text('note'),
    /**
     * The organizer whose events this card pays for; null for a platform card (issued by an
     * admin, or bought with money), which pays for any event. An organizer's card is always
     * scoped to them: it is their own inventory they give away, never platform money.
     */
    scopeOrganizerId: uuid('scope_organizer_id').references(() => users.id),
    /**
     * `<account>:<Idempotency-Key>` of the request that created the card. The API's generic
     * replay store would keep the response, code included, so these routes deduplicate here
     * and a replay answers without the code.
     */
    requestKey: text('request_key').unique(),
    /**
     * `requestHash` (src/http/idempotency.ts) of the request that created the card: the same
     * key with another request is refused instead of answered with this card.
     */
    requestHash: text('request_hash'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('gift_cards_balance_nonnegative', sql`${t.balanceCents} >= 0`),
    check('gift_cards_initial_positive', sql`${t.initialCents} > 0`),
    // Money paid in (a purchase) spends anywhere; only a free card can be limited to an organizer.
    check('gift_cards_scope_issued_only', sql`${t.scopeOrganizerId} is null or ${t.source} = 'issued'`),
    // Serves GET /v1/gift-cards/issued for an organizer: their issuances, newest first.
    index('gift_cards_issuer_idx')
      .on(t.createdBy, t.createdAt, t.id)
      .where(sql`${t.source} = 'issued'`),
    // Serves GET /v1/gift-cards/issued for an admin: every issuance, newest first.
    index('gift_cards_issued_idx')
      .on(t.createdAt, t.id)
      .where(sql`${t.source} = 'issued'`),
  ],
);

export const giftCardLedger = pgTable(
  'gift_card_ledger',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    giftCardId: uuid('gift_card_id')
      .notNull()
      .references(() => giftCards.id),
    /** Positive credits (issue, purchase, refund), negative debits (spent on an order). */
    amountCents: integer('amount_cents').notNull(),
    kind: text('kind', { enum: ['issue', 'purchase', 'debit', 'refund'] }).notNull(),
    orderId: uuid('order_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('gift_card_ledger_nonzero', sql`${t.amountCents} <> 0`),
    // Serves the ledger of one card (statement, balance audit).
    index('gift_card_ledger_card_idx').on(t.giftCardId, t.id),
  ],
);
