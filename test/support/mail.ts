import type { TestEnv } from './env.js';

/**
 * Tokens the API sends by mail, read where the mail was written (`notification_outbox`), as a
 * recipient would read them in their inbox. Every test that needs a mailed token comes here:
 * this file alone knows how a mail row stores its token, so a change to how the outbox keeps
 * mail (encryption at rest) is made here once.
 */

type Sql = TestEnv['infra']['database']['sql'];
type Source = Pick<TestEnv, 'infra'> | { sql: Sql };

const sqlOf = (source: Source): Sql => ('sql' in source ? source.sql : source.infra.database.sql);

/** The token of the newest email-verification mail sent to an account. */
export async function verificationToken(source: Source, userId: string): Promise<string> {
  const [row] = await sqlOf(source)`
    select payload from notification_outbox
    where kind = 'auth.verify_email' and channel = 'email' and user_id = ${userId}
    order by id desc limit 1`;
  const token = (row?.payload as { token?: string } | undefined)?.token;
  if (!token) throw new Error(`no verification mail for account ${userId}`);
  return token;
}

/** The invitation token a transfer's mail carries to the offered address. */
export async function transferToken(source: Source, transferId: string): Promise<string> {
  const [row] = await sqlOf(source)`
    select payload from notification_outbox
    where kind = 'transfer.received' and channel = 'email' and payload->>'transferId' = ${transferId}
    limit 1`;
  const token = (row?.payload as { token?: string } | undefined)?.token;
  if (!token) throw new Error(`no invitation mail for transfer ${transferId}`);
  return token;
}
