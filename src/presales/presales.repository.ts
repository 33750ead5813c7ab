import { and, asc, desc, eq, gt, inArray, lte, ne, or, sql } from 'drizzle-orm';
import { users } from '../auth/auth.joinable.js';
import { events } from '../catalog/catalog.joinable.js';
import type { Db } from '../db/types.js';
import { orders } from '../orders/orders.joinable.js';
import { holds } from '../sales/sales.joinable.js';
import { presaleAllowlist, presaleCodes, presaleRedemptions, presaleWindows } from './presales.table.js';

export type WindowRow = typeof presaleWindows.$inferSelect;
type WindowValues = Omit<typeof presaleWindows.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>;
export type CodeRow = typeof presaleCodes.$inferSelect;

export async function findWindow(db: Db, id: string): Promise<WindowRow | undefined> {
  const [row] = await db.select().from(presaleWindows).where(eq(presaleWindows.id, id));
  return row;
}

/** The window's row locked for a change (codes, allow-list, times) in the caller's transaction. */
export async function lockWindow(tx: Db, id: string): Promise<WindowRow | undefined> {
  const [row] = await tx.select().from(presaleWindows).where(eq(presaleWindows.id, id)).for('update');
  return row;
}

export async function listWindows(db: Db, eventId: string): Promise<WindowRow[]> {
  return db
    .select()
    .from(presaleWindows)
    .where(eq(presaleWindows.eventId, eventId))
    .orderBy(asc(presaleWindows.opensAt));
}

/**
 * Locks the event's windows (in the caller's transaction) so two organizers' edits cannot each
 * pass the overlap check against the other's old times; returns them.
 */
export async function lockEventWindows(tx: Db, eventId: string): Promise<WindowRow[]> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`presales:${eventId}`}, 0))`);
  return listWindows(tx, eventId);
}

export async function insertWindow(tx: Db, values: WindowValues): Promise<WindowRow> {
  const [row] = await tx.insert(presaleWindows).values(values).returning();
  return row!;
}

export async function updateWindow(tx: Db, id: string, values: Partial<WindowValues>): Promise<WindowRow> {
  const [row] = await tx
    .update(presaleWindows)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(presaleWindows.id, id))
    .returning();
  return row!;
}

export async function deleteWindow(tx: Db, id: string): Promise<void> {
  await tx.delete(presaleWindows).where(eq(presaleWindows.id, id));
}

/** Marks a window closed (its end came); true when this call closed it. */
export async function closeWindow(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .update(presaleWindows)
    .set({ state: 'closed', updatedAt: sql`now()` })
    .where(and(eq(presaleWindows.id, id), ne(presaleWindows.state, 'closed')))
    .returning({ id: presaleWindows.id });
  return rows.length > 0;
}

/** The window open now for this event, if any (served by presale_windows_event_idx). */
export async function openWindowNow(db: Db, eventId: string): Promise<WindowRow | undefined> {
  const [row] = await db
    .select()
    .from(presaleWindows)
    .where(
      and(
        eq(presaleWindows.eventId, eventId),
        eq(presaleWindows.state, 'scheduled'),
        lte(presaleWindows.opensAt, sql`now()`),
        gt(presaleWindows.closesAt, sql`now()`),
      ),
    )
    .orderBy(asc(presaleWindows.opensAt))
    .limit(1);
  return row;
}

/** Queue-mode windows whose pre-queue time has come and that are not closed: the scheduler ticks them. */
export async function activeQueueWindows(db: Db, now: Date): Promise<WindowRow[]> {
  return db
    .select({ w: presaleWindows })
    .from(presaleWindows)
    .innerJoin(events, eq(events.id, presaleWindows.eventId))
    .where(
      and(
        eq(presaleWindows.mode, 'queue'),
        eq(presaleWindows.state, 'scheduled'),
        lte(presaleWindows.prequeueOpensAt, now),
        inArray(events.status, ['scheduled', 'on_sale', 'sold_out']),
      ),
    )
    .then((rows) => rows.map((r) => r.w));
}

/** Queue-mode windows whose rooms may still owe receipts: open ones, and ones closed within the last day. */
export async function receiptWindows(db: Db, now: Date): Promise<string[]> {
  const rows = await db
    .select({ id: presaleWindows.id })
    .from(presaleWindows)
    .where(
      and(
        eq(presaleWindows.mode, 'queue'),
        lte(presaleWindows.prequeueOpensAt, now),
        or(ne(presaleWindows.state, 'closed'), gt(presaleWindows.updatedAt, new Date(now.getTime() - 86_400_000))),
      ),
    );
  return rows.map((r) => r.id);
}

/** fd_presale_eligible (drizzle/0030): the same answer the hold statement gets. */
export async function isEligible(db: Db, windowId: string, userId: string): Promise<boolean> {
  const [row] = await db.execute<{ ok: boolean }>(
    sql`select fd_presale_eligible(${windowId}::uuid, ${userId}::uuid) as ok`,
  );
  return row?.ok === true;
}

/** Each window of the list: may this account buy in it, and did it redeem a code for it. */
export async function myWindows(
  db: Db,
  windowIds: string[],
  userId: string,
): Promise<Map<string, { eligible: boolean; redeemed: boolean }>> {
  if (windowIds.length === 0) return new Map();
  const rows = await db
    .select({
      id: presaleWindows.id,
      eligible: sql<boolean>`fd_presale_eligible(${presaleWindows.id}, ${userId}::uuid)`,
      redeemed: sql<boolean>`exists (select 1 from ${presaleRedemptions} r where r.window_id = presale_windows.id and r.user_id = ${userId}::uuid)`,
    })
    .from(presaleWindows)
    .where(inArray(presaleWindows.id, windowIds));
  return new Map(rows.map((r) => [r.id, { eligible: r.eligible, redeemed: r.redeemed }]));
}

// ---- codes ----

export async function insertCodes(
  tx: Db,
  rows: { windowId: string; codeHash: string; hint: string; maxUses: number; source: 'generated' | 'imported' }[],
): Promise<number> {
  let n = 0;
  // In slices: a big import stays under the statement's parameter limit.
  for (let i = 0; i < rows.length; i += 1000) {
    const done = await tx
      .insert(presaleCodes)
      .values(rows.slice(i, i + 1000))
      .returning({ id: presaleCodes.id });
    n += done.length;
  }
  return n;
}

/** Which of these hashes the window already has. */
export async function existingHashes(tx: Db, windowId: string, hashes: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < hashes.length; i += 1000) {
    const rows = await tx
      .select({ h: presaleCodes.codeHash })
      .from(presaleCodes)
      .where(and(eq(presaleCodes.windowId, windowId), inArray(presaleCodes.codeHash, hashes.slice(i, i + 1000))));
    for (const r of rows) found.add(r.h);
  }
  return found;
}

/** The code by its hash, its row locked: every use of one code is counted one after another. */
export async function lockCodeByHash(tx: Db, windowId: string, codeHash: string): Promise<CodeRow | undefined> {
  const [row] = await tx
    .select()
    .from(presaleCodes)
    .where(and(eq(presaleCodes.windowId, windowId), eq(presaleCodes.codeHash, codeHash)))
    .for('update');
  return row;
}

export async function redemptionOf(tx: Db, windowId: string, userId: string) {
  const [row] = await tx
    .select()
    .from(presaleRedemptions)
    .where(and(eq(presaleRedemptions.windowId, windowId), eq(presaleRedemptions.userId, userId)));
  return row;
}

/** One more use of a locked code by this account; the CHECK keeps `uses` within `max_uses` whatever happens. */
export async function redeem(tx: Db, code: CodeRow, userId: string): Promise<Date> {
  await tx
    .update(presaleCodes)
    .set({ uses: sql`${presaleCodes.uses} + 1` })
    .where(eq(presaleCodes.id, code.id));
  const [row] = await tx
    .insert(presaleRedemptions)
    .values({ windowId: code.windowId, codeId: code.id, userId })
    .returning({ createdAt: presaleRedemptions.createdAt });
  return row!.createdAt;
}

export async function revokeCode(db: Db, windowId: string, codeId: string): Promise<CodeRow | undefined> {
  const [row] = await db
    .update(presaleCodes)
    .set({ revokedAt: sql`coalesce(${presaleCodes.revokedAt}, now())` })
    .where(and(eq(presaleCodes.id, codeId), eq(presaleCodes.windowId, windowId)))
    .returning();
  return row;
}

export async function listCodes(db: Db, windowId: string): Promise<CodeRow[]> {
  return db
    .select()
    .from(presaleCodes)
    .where(eq(presaleCodes.windowId, windowId))
    .orderBy(desc(presaleCodes.createdAt), asc(presaleCodes.hint));
}

/**
 * Who redeemed the window's codes, when, with which code, and what they did with it: holds made
 * for the event while the window was open, and orders placed on those holds.
 */
export async function listRedemptions(db: Db, window: WindowRow) {
  const windowHolds = sql`${holds.userId} = ${presaleRedemptions.userId} and ${holds.eventId} = ${window.eventId}::uuid
    and ${holds.createdAt} >= ${window.opensAt.toISOString()}::timestamptz and ${holds.createdAt} < ${window.closesAt.toISOString()}::timestamptz`;
  return db
    .select({
      userId: presaleRedemptions.userId,
      email: users.email,
      displayName: users.displayName,
      redeemedAt: presaleRedemptions.createdAt,
      codeId: presaleCodes.id,
      hint: presaleCodes.hint,
      revoked: sql<boolean>`${presaleCodes.revokedAt} is not null`,
      holds: sql<number>`(select count(*)::int from ${holds} where ${windowHolds})`,
      orders: sql<number>`(select count(*)::int from ${orders} where ${orders.holdId} in (select ${holds.id} from ${holds} where ${windowHolds}))`,
    })
    .from(presaleRedemptions)
    .innerJoin(presaleCodes, eq(presaleCodes.id, presaleRedemptions.codeId))
    .innerJoin(users, eq(users.id, presaleRedemptions.userId))
    .where(eq(presaleRedemptions.windowId, window.id))
    .orderBy(asc(presaleRedemptions.createdAt));
}

// ---- allow-list ----

export async function replaceAllowlist(
  tx: Db,
  windowId: string,
  entries: { userId: string | null; email: string | null }[],
): Promise<void> {
  await tx.delete(presaleAllowlist).where(eq(presaleAllowlist.windowId, windowId));
  for (let i = 0; i < entries.length; i += 1000) {
    await tx.insert(presaleAllowlist).values(entries.slice(i, i + 1000).map((e) => ({ windowId, ...e })));
  }
}

export async function listAllowlist(db: Db, windowId: string) {
  return db
    .select({ userId: presaleAllowlist.userId, email: presaleAllowlist.email })
    .from(presaleAllowlist)
    .where(eq(presaleAllowlist.windowId, windowId))
    .orderBy(asc(presaleAllowlist.email), asc(presaleAllowlist.userId));
}

/** Which of these ids are accounts. */
export async function existingAccounts(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.select({ id: users.id }).from(users).where(inArray(users.id, ids));
  return new Set(rows.map((r) => r.id));
}
