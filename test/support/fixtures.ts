import { eq } from 'drizzle-orm';
import { createKeys } from '../../queue/keys.js';
import { users } from '../../src/auth/auth.table.js';
import { SessionCache } from '../../src/auth/session-cache.js';
import type { Role } from '../../src/shared/vocabulary.js';
import type { TestEnv } from './env.js';
import { verificationToken } from './mail.js';

let counter = 0;
export const uniqueEmail = (label = 'fan') => `${label}.${process.pid}.${Date.now()}.${counter++}@example.test`;

/** A signed-in account with the given roles (roles set directly in the database, as an admin would). */
export async function signedIn(env: TestEnv, roles: Role[] = ['fan'], label = roles[0]) {
  const account = await env.api.register(uniqueEmail(label));
  if (roles.join() !== 'fan') {
    await env.infra.database.db.update(users).set({ roles }).where(eq(users.id, account.userId));
    // Changed behind the API's back: its session cache must read the account again.
    await new SessionCache(env.infra.redis, createKeys(env.infra.config.REDIS_PREFIX)).forgetAccount(account.userId);
  }
  return account;
}

/** Confirms an account's address as its owner does: the token from its verification mail, POSTed to /v1/auth/verify-email. */
export async function verifyEmail(env: Pick<TestEnv, 'infra' | 'api'>, userId: string): Promise<void> {
  const res = await env.api.post('/v1/auth/verify-email', { token: await verificationToken(env, userId) });
  if (res.status !== 200) throw new Error(`verify-email failed: ${res.status} ${JSON.stringify(res.body)}`);
}

/** A signed-in account whose address is confirmed: what joining a queue-mode waiting room or accepting a transfer takes. */
export async function signedInVerified(env: TestEnv, roles: Role[] = ['fan'], label = roles[0]) {
  const account = await signedIn(env, roles, label);
  await verifyEmail(env, account.userId);
  return account;
}
