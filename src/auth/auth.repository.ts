import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Locale } from '../i18n/index.js';
import { conflict } from '../shared/errors.js';
import type { Role } from '../shared/vocabulary.js';
import { emailVerifications, sessions, users } from './auth.table.js';

export type UserRow = typeof users.$inferSelect;

export async function insertUser(
  db: Db,
  values: {
    email: string;
    passwordHash: string;
    displayName: string;
    roles?: Role[];
    emailVerifiedAt?: Date;
    locale?: Locale;
  },
): Promise<UserRow> {
  try {
    const [row] = await db.insert(users).values(values).returning();
    return row!;
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('auth.email_taken', 'An account with this email already exists.');
    throw err;
  }
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, email));
  return row;
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

export async function updateUser(
  db: Db,
  id: string,
  patch: Partial<typeof users.$inferInsert>,
): Promise<UserRow | undefined> {
  const [row] = await db
    .update(users)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(users.id, id))
    .returning();
  return row;
}

export async function insertSession(
  db: Db,
  values: { userId: string; tokenHash: string; expiresAt: Date; ip: string | null; userAgent: string | null },
): Promise<{ id: string }> {
  const [row] = await db.insert(sessions).values(values).returning({ id: sessions.id });
  return row!;
}

/** Many accounts in one INSERT (bulk-accounts.ts); RETURNING gives no order, so callers match rows by address. */
export async function insertUserBatch(
  db: Db,
  values: readonly {
    email: string;
    passwordHash: string;
    displayName: string;
    roles?: Role[];
    emailVerifiedAt?: Date;
  }[],
): Promise<{ id: string; email: string; displayName: string; roles: string[] }[]> {
  return db
    .insert(users)
    .values([...values])
    .returning({ id: users.id, email: users.email, displayName: users.displayName, roles: users.roles });
}

/** Many sessions in one INSERT, with no IP or user agent (bulk-accounts.ts). */
export async function insertSessionBatch(
  db: Db,
  values: readonly { userId: string; tokenHash: string; expiresAt: Date }[],
): Promise<{ id: string; userId: string }[]> {
  return db
    .insert(sessions)
    .values([...values])
    .returning({ id: sessions.id, userId: sessions.userId });
}

/**
 * Every authenticated request runs this lookup, so it is prepared once per database handle:
 * building the drizzle query each time costs ~0.4 ms of CPU per request, more than Postgres
 * spends answering it (on the waiting room's join, the hottest authenticated path).
 */
const sessionLookups = new WeakMap<Db, ReturnType<typeof prepareSessionLookup>>();

function prepareSessionLookup(db: Db) {
  return db
    .select({
      sessionId: sessions.id,
      expiresAt: sessions.expiresAt,
      userId: users.id,
      email: users.email,
      displayName: users.displayName,
      roles: users.roles,
      emailVerifiedAt: users.emailVerifiedAt,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.tokenHash, sql.placeholder('tokenHash')))
    .prepare('find_session');
}

/** The session and its account, expired or not: the caller tells the two apart. */
export async function findSession(db: Db, tokenHash: string) {
  let lookup = sessionLookups.get(db);
  if (!lookup) sessionLookups.set(db, (lookup = prepareSessionLookup(db)));
  const [row] = await lookup.execute({ tokenHash });
  return row;
}

export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}

/** An account's sessions that have not expired, newest first (served by sessions_user_idx). */
export async function listSessions(db: Db, userId: string) {
  return db
    .select({
      id: sessions.id,
      createdAt: sessions.createdAt,
      expiresAt: sessions.expiresAt,
      ip: sessions.ip,
      userAgent: sessions.userAgent,
    })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, sql`now()`)))
    .orderBy(desc(sessions.createdAt));
}

export interface EndedSession {
  id: string;
  tokenHash: string;
}

/** Deletes one session of this account; nothing when the id is unknown or another account's. */
export async function deleteSessionOf(db: Db, userId: string, sessionId: string): Promise<EndedSession | undefined> {
  const [row] = await db
    .delete(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)))
    .returning({ id: sessions.id, tokenHash: sessions.tokenHash });
  return row;
}

/** Deletes every session of this account, but `keep` when given. */
export async function deleteSessionsOf(db: Db, userId: string, keep?: string): Promise<EndedSession[]> {
  return db
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), keep ? ne(sessions.id, keep) : undefined))
    .returning({ id: sessions.id, tokenHash: sessions.tokenHash });
}

export async function insertVerification(
  db: Db,
  values: { tokenHash: string; userId: string; expiresAt: Date },
): Promise<void> {
  await db.insert(emailVerifications).values(values);
}

/** The account a verification token is for, while the token is unused and unexpired. */
export async function verificationAccount(db: Db, tokenHash: string): Promise<string | undefined> {
  const [row] = await db
    .select({ userId: emailVerifications.userId })
    .from(emailVerifications)
    .where(
      and(
        eq(emailVerifications.tokenHash, tokenHash),
        isNull(emailVerifications.usedAt),
        gt(emailVerifications.expiresAt, sql`now()`),
      ),
    );
  return row?.userId;
}

/**
 * The account, its row locked for the caller's transaction: confirming and releasing an
 * address take this lock first, then the token's, so the two never wait on each other.
 */
export async function lockUser(db: Db, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).for('update');
  return row;
}

/** Marks every unused verification token of an account used: none may confirm it any more. */
export async function retireVerifications(db: Db, userId: string): Promise<void> {
  await db
    .update(emailVerifications)
    .set({ usedAt: sql`now()` })
    .where(and(eq(emailVerifications.userId, userId), isNull(emailVerifications.usedAt)));
}

/** Marks a verification token used, once; returns its account or nothing when unknown, used or expired. */
export async function consumeVerification(db: Db, tokenHash: string): Promise<string | undefined> {
  const [row] = await db
    .update(emailVerifications)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(emailVerifications.tokenHash, tokenHash),
        isNull(emailVerifications.usedAt),
        gt(emailVerifications.expiresAt, sql`now()`),
      ),
    )
    .returning({ userId: emailVerifications.userId });
  return row?.userId;
}
