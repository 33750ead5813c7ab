import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { notificationPreferences, pushSubscriptions } from './push.table.js';

export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;

export interface NewPushSubscription {
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  label: string | null;
}

/**
 * Saves a browser's subscription for the account. An endpoint belongs to one browser profile:
 * subscribing it again (new keys, or another account now signed in there) replaces the row in
 * place, so a device never gets a push twice nor the previous account's pushes.
 */
export async function upsertSubscription(db: Db, input: NewPushSubscription): Promise<PushSubscriptionRow> {
  const [row] = await db
    .insert(pushSubscriptions)
    .values(input)
    .onConflictDoUpdate({
      target: pushSubscriptions.endpoint,
      set: {
        userId: input.userId,
        p256dh: input.p256dh,
        auth: input.auth,
        label: input.label,
        lastError: null,
        lastFailureAt: null,
      },
    })
    .returning();
  return row!;
}

export async function subscriptionsOf(db: Db, userId: string): Promise<PushSubscriptionRow[]> {
  return db
    .select()
    .from(pushSubscriptions)
    .where(eq(pushSubscriptions.userId, userId))
    .orderBy(asc(pushSubscriptions.createdAt));
}

/** Deletes the account's subscription; false when it has none with this id. */
export async function deleteSubscription(db: Db, userId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(pushSubscriptions)
    .where(and(eq(pushSubscriptions.id, id), eq(pushSubscriptions.userId, userId)))
    .returning({ id: pushSubscriptions.id });
  return rows.length > 0;
}

/** The push service said the subscription is gone (404/410): it never comes back. */
export async function dropSubscription(db: Db, id: string): Promise<void> {
  await db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, id));
}

export async function recordPushSuccess(db: Db, id: string): Promise<void> {
  await db
    .update(pushSubscriptions)
    .set({ lastSuccessAt: sql`now()` })
    .where(eq(pushSubscriptions.id, id));
}

export async function recordPushFailure(db: Db, id: string, error: string): Promise<void> {
  await db
    .update(pushSubscriptions)
    .set({ lastFailureAt: sql`now()`, lastError: error.slice(0, 500) })
    .where(eq(pushSubscriptions.id, id));
}

export interface TurnPreferences {
  push: boolean;
  email: boolean;
}

/** The account's channels for "your turn" messages; the defaults (both on) when it never chose. */
export async function turnPreferences(db: Db, userId: string): Promise<TurnPreferences> {
  const [row] = await db
    .select({ push: notificationPreferences.turnPush, email: notificationPreferences.turnEmail })
    .from(notificationPreferences)
    .where(eq(notificationPreferences.userId, userId));
  return row ?? { push: true, email: true };
}

export async function setTurnPreferences(db: Db, userId: string, prefs: TurnPreferences): Promise<TurnPreferences> {
  const [row] = await db
    .insert(notificationPreferences)
    .values({ userId, turnPush: prefs.push, turnEmail: prefs.email })
    .onConflictDoUpdate({
      target: notificationPreferences.userId,
      set: { turnPush: prefs.push, turnEmail: prefs.email, updatedAt: sql`now()` },
    })
    .returning({ push: notificationPreferences.turnPush, email: notificationPreferences.turnEmail });
  return row!;
}
