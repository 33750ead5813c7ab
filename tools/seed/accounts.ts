import type { Config } from '../../src/config.js';
import type { Db } from '../../src/db/index.js';
import { findUserByEmail, hashPassword, insertUser } from '../../src/auth/index.js';
import type { Role } from '../../src/shared/index.js';

/** Demo accounts for the zero-setup start; printed at boot. Never created in production. */
export const DEMO_PASSWORD = 'fairdrop-demo';
export const demoAccounts: { email: string; displayName: string; roles: Role[] }[] = [
  { email: 'fan@fairdrop.local', displayName: 'Demo Fan', roles: ['fan'] },
  { email: 'organizer@fairdrop.local', displayName: 'Demo Organizer', roles: ['fan', 'organizer'] },
  { email: 'staff@fairdrop.local', displayName: 'Demo Door Staff', roles: ['staff'] },
  { email: 'admin@fairdrop.local', displayName: 'Demo Admin', roles: ['admin'] },
];

export async function seedAccounts(db: Db, config: Pick<Config, 'PASSWORD_SCRYPT_LOG_N'>): Promise<number> {
  let created = 0;
  for (const account of demoAccounts) {
    if (await findUserByEmail(db, account.email)) continue;
    const passwordHash = await hashPassword(DEMO_PASSWORD, config.PASSWORD_SCRYPT_LOG_N);
    await insertUser(db, { ...account, passwordHash, emailVerifiedAt: new Date() });
    created++;
  }
  return created;
}
