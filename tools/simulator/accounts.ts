import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import type postgres from 'postgres';
import { hashPassword, insertBulkAccounts } from '../../src/auth/index.js';
import { loadConfig, type Config } from '../../src/config.js';
import { schema } from '../../src/db/index.js';
import { openMail } from '../../src/notifications/index.js';
import type { PlatformSigner } from '../../src/shared/index.js';
import { ApiClient } from './http.js';
import type { Account, ErrorCounts } from './types.js';

/**
 * The crowd's accounts. Fans normally register through POST /v1/auth/register (the fan
 * processes do it, and the report has its latency). A 100,000-fan crowd registers for far
 * longer than the drop lasts on a small machine (a scrypt hash and three writes each, ~7 ms of
 * CPU), and registration is not what the drop measures, so a self-started deployment can
 * create the accounts beyond `--register` here instead (src/auth/bulk-accounts.ts: the rows
 * the register route writes, no verification e-mail, the address confirmed), with one password
 * hash for all of them (the same scrypt cost, one salt), and a bearer token per account that the
 * API resolves like any other. The report says how many accounts came which way.
 *
 * Every fan's address is confirmed, as a queue-mode waiting room asks by default: a seeded one
 * from the start, a registered one through POST /v1/auth/verify-email with the token of the mail
 * the API wrote (read from the deployment's Postgres, where the audit reads too).
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
    verified: true,
  });
  return accounts.map((a, k) => [indexes[k]!, { token: a.token, userId: a.userId }]);
}

/** Accounts per outbox read: 10,000 ids as parameters, well under Postgres' 65,535. */
const TOKEN_READ_BATCH = 10_000;
/** Confirmations in flight: registration's own concurrency per fan process. */
const CONFIRM_CONCURRENCY = 24;

/**
 * How the simulator reads the fans' mail. The outbox keeps a mail sealed until it is sent
 * (src/notifications/outbox.repository.ts), then drops the seal: a mail still waiting is
 * opened with the platform key, a delivered one is read from the development mail transport's
 * folder (the fans' inbox).
 */
export interface Mailbox {
  /** The deployment's platform key; null when the simulator does not have it. */
  keys: Pick<PlatformSigner, 'derive'> | null;
  /** DATA_DIR/mail of a deployment that writes mail to files; null when mail goes out by SMTP. */
  dir: string | null;
}

interface MailRow {
  id: number | string;
  userId: string;
  kind: string;
  recipient: string;
  sealed: string | null;
  status: string;
}

async function mailText(mailbox: Mailbox, row: MailRow): Promise<string | null> {
  if (row.sealed) return mailbox.keys ? openMail(mailbox.keys, { ...row, sealed: row.sealed }).body : null;
  if (row.status !== 'sent' || !mailbox.dir) return null;
  const file = await readFile(join(mailbox.dir, `${row.id}.json`), 'utf8').catch(() => null);
  return file === null ? null : ((JSON.parse(file) as { text?: string }).text ?? null);
}

/**
 * The token of each account's verification mail (the link's `#token=`), read as the fan would
 * find it in their inbox. The newest mail of an account wins.
 */
export async function verificationTokens(
  sql: postgres.Sql,
  mailbox: Mailbox,
  userIds: string[],
): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  for (let from = 0; from < userIds.length; from += TOKEN_READ_BATCH) {
    const rows = await sql<MailRow[]>`
      select id, user_id as "userId", kind, recipient, sealed, status from notification_outbox
      where kind = 'auth.verify_email' and channel = 'email' and user_id in ${sql(userIds.slice(from, from + TOKEN_READ_BATCH))}
      order by id`;
    for (const r of rows) {
      const token = /[#&]token=([\w-]+)/.exec((await mailText(mailbox, r)) ?? '')?.[1];
      if (token) tokens.set(r.userId, token);
    }
  }
  return tokens;
}

/**
 * Confirms the addresses of accounts registered through the API, each through
 * POST /v1/auth/verify-email with its mailed token, spread over the nodes. Returns how many
 * were confirmed; failures are counted in `errors` as `verify <code>` (such a fan is then
 * refused by a waiting room that asks for a confirmed address, and the report shows it).
 */
export async function confirmAddresses(
  sql: postgres.Sql,
  mailbox: Mailbox,
  urls: string[],
  accounts: Account[],
  errors: ErrorCounts,
): Promise<number> {
  const tokens = await verificationTokens(
    sql,
    mailbox,
    accounts.map((a) => a.userId),
  );
  const clients = urls.map((url) => new ApiClient(url, CONFIRM_CONCURRENCY));
  const count = (key: string) => void (errors[key] = (errors[key] ?? 0) + 1);
  let confirmed = 0;
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(CONFIRM_CONCURRENCY, accounts.length) }, async () => {
        while (next < accounts.length) {
          const i = next++;
          const token = tokens.get(accounts[i]!.userId);
          if (!token) {
            count('verify no_mail');
            continue;
          }
          const api = clients[i % clients.length]!;
          for (let attempt = 0; attempt < 5; attempt++) {
            const res = await api.call('POST', '/v1/auth/verify-email', { token });
            if (res.status === 200) {
              confirmed++;
              break;
            }
            count(`verify ${res.code ?? `http_${res.status}`}`);
            if (res.status !== 0 && res.status !== 429 && res.status < 500) break;
            await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
          }
        }
      }),
    );
  } finally {
    for (const c of clients) c.close();
  }
  return confirmed;
}
