import { and, eq, gt, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { isUniqueViolation } from '../db/errors.js';
import { conflict } from '../shared/errors.js';
import { emailChanges, passwordResets, users } from './auth.table.js';

/** The queries behind password resets and changes of address (recovery.service.ts). */

/** Another account already has this address: the one thing a confirmation may say about it. */
export const emailTaken = () =>
  conflict(
    'auth.email_taken',
    'Another Fairdrop account already uses this address, so it cannot become yours. Sign in with it, or choose another address.',
  );

/** A reset link; `userId` null for an address with no account (a row written only so both answers cost the same). */
export async function insertPasswordReset(
  db: Db,
  values: { tokenHash: string; userId: string | null; expiresAt: Date },
): Promise<void> {
  await db.insert(passwordResets).values(values);
}

const liveReset = (tokenHash: string) =>
  and(
    eq(passwordResets.tokenHash, tokenHash),
    isNotNull(passwordResets.userId),
    isNull(passwordResets.usedAt),
    gt(passwordResets.expiresAt, sql`now()`),
  );

/** The account a reset link is for, while the link is unused and unexpired. */
export async function passwordResetAccount(db: Db, tokenHash: string): Promise<string | undefined> {
  const [row] = await db.select({ userId: passwordResets.userId }).from(passwordResets).where(liveReset(tokenHash));
  return row?.userId ?? undefined;
}

/** Marks a reset link used, once; false when it is unknown, used or expired (or a race used it first). */
export async function consumePasswordReset(db: Db, tokenHash: string): Promise<boolean> {
  const rows = await db
    .update(passwordResets)
    .set({ usedAt: sql`now()` })
    .where(liveReset(tokenHash))
    .returning({ userId: passwordResets.userId });
  return rows.length === 1;
}

/** Every open reset link of an account dies (served by password_resets_user_idx). */
export async function retirePasswordResets(db: Db, userId: string): Promise<void> {
  await db
    .update(passwordResets)
    .set({ usedAt: sql`now()` })
    .where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt)));
}

export async function insertEmailChange(
  db: Db,
  values: { tokenHash: string; userId: string; newEmail: string; expiresAt: Date },
): Promise<void> {
  await db.insert(emailChanges).values(values);
}

const liveChange = (tokenHash: string) =>
  and(eq(emailChanges.tokenHash, tokenHash), isNull(emailChanges.usedAt), gt(emailChanges.expiresAt, sql`now()`));

/** The account a change-of-address link is for, while the link is unused and unexpired. */
export async function emailChangeAccount(db: Db, tokenHash: string): Promise<string | undefined> {
  const [row] = await db.select({ userId: emailChanges.userId }).from(emailChanges).where(liveChange(tokenHash));
  return row?.userId;
}

/** Marks a change-of-address link used, once; its new address, or nothing when unknown, used or expired. */
export async function consumeEmailChange(db: Db, tokenHash: string): Promise<string | undefined> {
  const [row] = await db
    .update(emailChanges)
    .set({ usedAt: sql`now()` })
    .where(liveChange(tokenHash))
    .returning({ newEmail: emailChanges.newEmail });
  return row?.newEmail;
}

/** Every open change of address of an account dies (served by email_changes_user_idx). */
export async function retireEmailChanges(db: Db, userId: string): Promise<void> {
  await db
    .update(emailChanges)
    .set({ usedAt: sql`now()` })
    .where(and(eq(emailChanges.userId, userId), isNull(emailChanges.usedAt)));
}

/**
 * Gives the account its new, confirmed address; a 409 when another account has it (checked
 * first, and by the unique constraint for one registered meanwhile: the caller's transaction
 * then rolls back, and the link stays usable should the address come free).
 */
export async function setConfirmedEmail(db: Db, userId: string, email: string): Promise<void> {
  const [other] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.email, email), ne(users.id, userId)));
  if (other) throw emailTaken();
  try {
    await db
      .update(users)
      .set({ email, emailVerifiedAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(users.id, userId));
  } catch (err) {
    if (isUniqueViolation(err)) throw emailTaken();
    throw err;
  }
}
