import { and, desc, eq, gte, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.joinable.js';
import type { Db } from '../db/types.js';
import { isCheckViolation } from '../db/errors.js';
import { conflict } from '../shared/errors.js';
import { giftCardLedger, giftCards } from './giftcards.table.js';

export type GiftCardRow = typeof giftCards.$inferSelect;

export const publicColumns = {
  id: giftCards.id,
  codeLast4: giftCards.codeLast4,
  currency: giftCards.currency,
  initialCents: giftCards.initialCents,
  balanceCents: giftCards.balanceCents,
  source: giftCards.source,
  scopeOrganizerId: giftCards.scopeOrganizerId,
  createdAt: giftCards.createdAt,
};

export type GiftCardView = { [K in keyof typeof publicColumns]: GiftCardRow[K] };

export async function insertGiftCard(
  db: Db,
  values: {
    codeHash: string;
    codeLast4: string;
    currency: string;
    amountCents: number;
    source: 'issued' | 'purchased';
    createdBy: string;
    scopeOrganizerId: string | null;
    note?: string | null;
    requestKey: string | null;
    requestHash: string | null;
  },
): Promise<GiftCardView> {
  const [row] = await db
    .insert(giftCards)
    .values({ ...values, initialCents: values.amountCents, balanceCents: values.amountCents })
    .returning(publicColumns);
  await db.insert(giftCardLedger).values({
    giftCardId: row!.id,
    amountCents: values.amountCents,
    kind: values.source === 'issued' ? 'issue' : 'purchase',
  });
  return row!;
}

export async function findByCodeHash(db: Db, codeHash: string): Promise<GiftCardView | undefined> {
  const [row] = await db.select(publicColumns).from(giftCards).where(eq(giftCards.codeHash, codeHash));
  return row;
}

const scopeOrganizer = alias(users, 'scope_organizer');

/** A card with the name of the organizer it is scoped to (null for a platform card). */
export async function findWithScopeByCodeHash(
  db: Db,
  codeHash: string,
): Promise<(GiftCardView & { scopeOrganizerName: string | null }) | undefined> {
  const [row] = await db
    .select({ ...publicColumns, scopeOrganizerName: scopeOrganizer.displayName })
    .from(giftCards)
    .leftJoin(scopeOrganizer, eq(scopeOrganizer.id, giftCards.scopeOrganizerId))
    .where(eq(giftCards.codeHash, codeHash));
  return row;
}

/** The card a request key created, with the hash of that request (null for cards from before it was kept). */
export async function findByRequestKey(
  db: Db,
  requestKey: string,
): Promise<(GiftCardView & { requestHash: string | null }) | undefined> {
  const [row] = await db
    .select({ ...publicColumns, requestHash: giftCards.requestHash })
    .from(giftCards)
    .where(eq(giftCards.requestKey, requestKey));
  return row;
}

export interface IssuedRow extends GiftCardView {
  note: string | null;
  issuerId: string;
  issuerName: string;
  scopeOrganizerName: string | null;
  /** `created_at` to the microsecond, for the next page's cursor (a Date keeps milliseconds only). */
  cursorAt: string;
}

const issuer = alias(users, 'issuer');

/**
 * Issued cards, newest first: one issuer's (`issuerId`) or everyone's (null, for admins), after
 * the keyset position `after`. Served by gift_cards_issuer_idx and gift_cards_issued_idx.
 */
export async function listIssued(
  db: Db,
  params: { issuerId: string | null; after: { at: string; id: string } | null; limit: number },
): Promise<IssuedRow[]> {
  const where: SQL[] = [eq(giftCards.source, 'issued')];
  if (params.issuerId !== null) where.push(eq(giftCards.createdBy, params.issuerId));
  if (params.after)
    where.push(
      sql`(${giftCards.createdAt}, ${giftCards.id}) < (${params.after.at}::timestamptz, ${params.after.id}::uuid)`,
    );
  return db
    .select({
      ...publicColumns,
      note: giftCards.note,
      issuerId: giftCards.createdBy,
      issuerName: issuer.displayName,
      scopeOrganizerName: scopeOrganizer.displayName,
      cursorAt: sql<string>`to_char(${giftCards.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(giftCards)
    .innerJoin(issuer, eq(issuer.id, giftCards.createdBy))
    .leftJoin(scopeOrganizer, eq(scopeOrganizer.id, giftCards.scopeOrganizerId))
    .where(and(...where))
    .orderBy(desc(giftCards.createdAt), desc(giftCards.id))
    .limit(params.limit);
}

/**
 * Spends from a card inside the caller's transaction. The balance test is in the UPDATE's
 * WHERE, so of two concurrent orders only the one that still fits passes; the CHECK on the
 * table is the backstop if code ever forgets.
 */
export async function debitGiftCard(tx: Db, giftCardId: string, amountCents: number, orderId: string): Promise<number> {
  try {
    const [row] = await tx
      .update(giftCards)
      .set({ balanceCents: sql`${giftCards.balanceCents} - ${amountCents}` })
      .where(and(eq(giftCards.id, giftCardId), gte(giftCards.balanceCents, amountCents)))
      .returning({ balanceCents: giftCards.balanceCents });
    if (!row)
      throw conflict('giftcards.insufficient_balance', 'A gift card no longer has enough balance for this order.', {
        giftCardId,
      });
    await tx.insert(giftCardLedger).values({ giftCardId, amountCents: -amountCents, kind: 'debit', orderId });
    return row.balanceCents;
  } catch (err) {
    if (isCheckViolation(err))
      throw conflict('giftcards.insufficient_balance', 'A gift card no longer has enough balance for this order.', {
        giftCardId,
      });
    throw err;
  }
}

/** Puts a refund back on the card it came from, in the caller's transaction. */
export async function creditGiftCard(
  tx: Db,
  giftCardId: string,
  amountCents: number,
  orderId: string | null,
): Promise<void> {
  await tx
    .update(giftCards)
    .set({ balanceCents: sql`${giftCards.balanceCents} + ${amountCents}` })
    .where(eq(giftCards.id, giftCardId));
  await tx.insert(giftCardLedger).values({ giftCardId, amountCents, kind: 'refund', orderId });
}

/** The audit: the ledger's sum and the stored balance, which must agree. */
export async function ledgerSum(db: Db, giftCardId: string): Promise<{ ledger: number; balance: number }> {
  const [sum] = await db
    .select({ total: sql<string>`coalesce(sum(${giftCardLedger.amountCents}), 0)` })
    .from(giftCardLedger)
    .where(eq(giftCardLedger.giftCardId, giftCardId));
  const [card] = await db
    .select({ balance: giftCards.balanceCents })
    .from(giftCards)
    .where(eq(giftCards.id, giftCardId));
  return { ledger: Number(sum?.total ?? 0), balance: card?.balance ?? 0 };
}
