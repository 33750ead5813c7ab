import { drizzle } from 'drizzle-orm/postgres-js';
import type postgres from 'postgres';
import { insertBulkAccounts } from '../auth/bulk-accounts.js';
import { hashPassword } from '../auth/password.js';
import { loadConfig, type Config } from '../config.js';
import * as schema from '../db/schema.js';
import type { Account } from './types.js';

/**
 * The crowd's accounts. Fans normally register through POST /v1/auth/register (the fan
 * processes do it, and the report has its latency). A 100,000-fan crowd registers for far
 * longer than the drop lasts on a small machine (a scrypt hash and three writes each, ~7 ms of
 * CPU), and registration is not what the drop measures, so a self-started deployment can
 * create the accounts beyond `--register` here instead (src/auth/bulk-accounts.ts: the rows
 * the register route writes, no verification e-mail), with one password hash for all of them
 * (the same scrypt cost, one salt), and a bearer token per account that the API resolves like
 * any other. The report says how many accounts came which way.
 */

export const FAN_PASSWORD = 'drop simulator passphrase';

export const fanEmail = (i: number, runId: string) => `fan${i}.${runId}@drop.example.com`;
export const fanName = (i: number) => `Drop fan ${i}`;

/**
 * `config`: the deployment's session lifetime. A self-started deployment's nodes run with the
 * config's default SESSION_TTL_HOURS (30 days, longer than any drop), hence the default here.
 */
export async function seedFanAccounts(
  sql: postgres.Sql,
  indexes: number[],
  runId: string,
  scryptLogN: number,
  config: Pick<Config, 'SESSION_TTL_HOURS'> = loadConfig({}),
): Promise<[number, Account][]> {
  const passwordHash = await hashPassword(FAN_PASSWORD, scryptLogN);
  const accounts = await insertBulkAccounts(drizzle(sql, { schema }), config, {
    accounts: indexes.map((i) => ({ email: fanEmail(i, runId), displayName: fanName(i) })),
    passwordHash,
  });
  return accounts.map((a, k) => [indexes[k]!, { token: a.token, userId: a.userId }]);
}
