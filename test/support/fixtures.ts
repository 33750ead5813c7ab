import { eq } from 'drizzle-orm';
import { createKeys } from '../../queue/keys.js';
import { users } from '../../src/auth/auth.table.js';
import { SessionCache } from '../../src/auth/session-cache.js';
import type { Role } from '../../src/shared/vocabulary.js';
import type { TestEnv } from './env.js';

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
