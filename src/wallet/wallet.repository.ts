import { and, asc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import { events, venues } from '../catalog/catalog.joinable.js';
import type { Db } from '../db/types.js';
import type { Locale } from '../i18n/locales.js';
import { walletGoogleUpdates, walletPasses, walletRegistrations, type WalletKind } from './wallet.table.js';

export type WalletPass = typeof walletPasses.$inferSelect;
export type GoogleUpdate = typeof walletGoogleUpdates.$inferSelect;

/**
 * The holder's pass of this ticket in this wallet, created on first request (one per holder,
 * ticket and wallet), in the language of this request: downloaded again in another language, the
 * pass changes (and a device that registered for it is told).
 */
export async function passFor(
  db: Db,
  ticketId: string,
  holderId: string,
  kind: WalletKind,
  locale: Locale,
): Promise<WalletPass> {
  const [written] = await db
    .insert(walletPasses)
    .values({ ticketId, holderId, kind, locale })
    .onConflictDoUpdate({
      target: [walletPasses.ticketId, walletPasses.holderId, walletPasses.kind],
      set: { locale, updatedAt: sql`now()` },
      setWhere: sql`${walletPasses.locale} <> ${locale}`,
    })
    .returning();
  if (written) return written;
  const [row] = await db
    .select()
    .from(walletPasses)
    .where(and(eq(walletPasses.ticketId, ticketId), eq(walletPasses.holderId, holderId), eq(walletPasses.kind, kind)));
  return row!;
}

/** The zone of the event's venue, in which the pass writes its times. */
export async function eventTimeZone(db: Db, eventId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ timeZone: venues.timeZone })
    .from(events)
    .innerJoin(venues, eq(venues.id, events.venueId))
    .where(eq(events.id, eventId));
  return row?.timeZone;
}

export async function findPass(db: Db, id: string): Promise<WalletPass | undefined> {
  const [row] = await db.select().from(walletPasses).where(eq(walletPasses.id, id));
  return row;
}

/** Registers a device for a pass's updates; false when it already was (its push token is refreshed). */
export async function register(db: Db, deviceId: string, passId: string, pushToken: string): Promise<boolean> {
  const [row] = await db
    .insert(walletRegistrations)
    .values({ deviceId, passId, pushToken })
    .onConflictDoUpdate({
      target: [walletRegistrations.deviceId, walletRegistrations.passId],
      set: { pushToken },
      // xmax = 0 only on a row this statement inserted.
    })
    .returning({ inserted: sql<boolean>`xmax = 0` });
  return row!.inserted;
}

export async function unregister(db: Db, deviceId: string, passId: string): Promise<boolean> {
  const rows = await db
    .delete(walletRegistrations)
    .where(and(eq(walletRegistrations.deviceId, deviceId), eq(walletRegistrations.passId, passId)))
    .returning({ passId: walletRegistrations.passId });
  return rows.length > 0;
}

/**
 * The Apple passes a device registered for that changed after `since` (all of them without it),
 * with when each last changed.
 */
export async function passesChangedSince(
  db: Db,
  deviceId: string,
  since: Date | null,
): Promise<{ id: string; updatedAt: Date }[]> {
  return db
    .select({ id: walletPasses.id, updatedAt: walletPasses.updatedAt })
    .from(walletRegistrations)
    .innerJoin(walletPasses, eq(walletPasses.id, walletRegistrations.passId))
    .where(
      and(
        eq(walletRegistrations.deviceId, deviceId),
        eq(walletPasses.kind, 'apple'),
        since ? gt(walletPasses.updatedAt, since) : undefined,
      ),
    )
    .orderBy(asc(walletPasses.id));
}

/** Claims due Google updates for the rest of the caller's transaction; SKIP LOCKED lets workers share them. */
export async function claimGoogleUpdates(tx: Db, limit: number): Promise<GoogleUpdate[]> {
  return tx
    .select()
    .from(walletGoogleUpdates)
    .where(and(eq(walletGoogleUpdates.status, 'pending'), lte(walletGoogleUpdates.availableAt, sql`now()`)))
    .orderBy(asc(walletGoogleUpdates.availableAt), asc(walletGoogleUpdates.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/**
 * Marks updates of one pass done: the one just sent and any older pending ones of the same
 * pass, which the sent state (built from the ticket as it is now) already covers.
 */
export async function markGoogleSent(tx: Db, update: GoogleUpdate, state: string): Promise<void> {
  await tx
    .update(walletGoogleUpdates)
    .set({ status: 'sent', state, sentAt: sql`now()`, attempts: update.attempts + 1, lastError: null })
    .where(
      and(
        eq(walletGoogleUpdates.passId, update.passId),
        eq(walletGoogleUpdates.status, 'pending'),
        lte(walletGoogleUpdates.id, update.id),
      ),
    );
}

export async function markGoogleFailed(
  tx: Db,
  id: number,
  failure: { attempts: number; lastError: string; failed: boolean; availableAt: Date },
): Promise<void> {
  await tx
    .update(walletGoogleUpdates)
    .set({
      attempts: failure.attempts,
      lastError: failure.lastError,
      status: failure.failed ? 'failed' : 'pending',
      availableAt: failure.availableAt,
    })
    .where(inArray(walletGoogleUpdates.id, [id]));
}

/** Devices registered for Apple passes that changed after `since` (and after they registered): who to tell, with the change's time. */
export async function registrationsChangedSince(
  db: Db,
  since: Date,
): Promise<{ deviceId: string; passId: string; pushToken: string; updatedAt: Date }[]> {
  return db
    .select({
      deviceId: walletRegistrations.deviceId,
      passId: walletRegistrations.passId,
      pushToken: walletRegistrations.pushToken,
      updatedAt: walletPasses.updatedAt,
    })
    .from(walletPasses)
    .innerJoin(walletRegistrations, eq(walletRegistrations.passId, walletPasses.id))
    .where(
      and(
        eq(walletPasses.kind, 'apple'),
        gt(walletPasses.updatedAt, since),
        // A device that registered after the change installed the pass as it is: nothing to tell it.
        gt(walletPasses.updatedAt, walletRegistrations.createdAt),
      ),
    )
    .orderBy(asc(walletPasses.updatedAt))
    .limit(1000);
}
