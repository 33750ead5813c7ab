import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderNoticeText } from '../../src/notifications/notice-text.js';
import { openMail } from '../../src/notifications/outbox.repository.js';
import type { TestEnv } from './env.js';

/**
 * Mails the API sends, read as their recipient reads them. Every test that needs a mailed
 * token or link comes here: this file alone knows how the outbox keeps mail. A mail still in
 * the outbox is sealed at rest (src/notifications/outbox.repository.ts), so it is opened with
 * the product's own openMail and the test's platform key; a delivered one is read from the
 * development mail transport's file (DATA_DIR/mail/<id>.json), the recipient's inbox.
 */

type Source = Pick<TestEnv, 'infra'>;

interface MailRow {
  id: number | string;
  kind: string;
  recipient: string;
  body: string;
  payload: Record<string, unknown>;
  sealed: string | null;
  status: string;
}

async function textOf(source: Source, row: MailRow): Promise<string> {
  const dataOf = (payload: Record<string, unknown>) => (payload.data as Record<string, unknown> | undefined) ?? {};
  if (row.sealed) {
    // Still in the outbox: its words are made as the dispatcher makes them when it sends it.
    const mail = openMail(source.infra.signer, { ...row, sealed: row.sealed });
    return renderNoticeText(mail.body, dataOf(mail.payload), 'mail');
  }
  if (row.status === 'sent') {
    // Delivered, so unsealed: the text is in the inbox now.
    const file = join(source.infra.config.DATA_DIR, 'mail', `${row.id}.json`);
    return (JSON.parse(await readFile(file, 'utf8')) as { text: string }).text;
  }
  return renderNoticeText(row.body, dataOf(row.payload), 'mail'); // a notice's mail (notify()), kept in clear like the feed
}

/** The token of the first link in a mail's text (`#token=` or `&token=`). */
function tokenIn(text: string, what: string): string {
  const token = /[#&]token=([\w-]+)/.exec(text)?.[1];
  if (!token) throw new Error(`no token in the ${what}`);
  return token;
}

/** The text of the newest mail of a kind to an address. */
export async function mailText(source: Source, kind: string, to: string): Promise<string> {
  const [row] = await source.infra.database.sql<MailRow[]>`
    select id, kind, recipient, body, payload, sealed, status from notification_outbox
    where kind = ${kind} and channel = 'email' and recipient = ${to}
    order by id desc limit 1`;
  if (!row) throw new Error(`no ${kind} mail to ${to}`);
  return textOf(source, row);
}

/** The token of the newest email-verification mail sent to an account. */
export async function verificationToken(source: Source, userId: string): Promise<string> {
  const [row] = await source.infra.database.sql<MailRow[]>`
    select id, kind, recipient, body, payload, sealed, status from notification_outbox
    where kind = 'auth.verify_email' and channel = 'email' and user_id = ${userId}
    order by id desc limit 1`;
  if (!row) throw new Error(`no verification mail for account ${userId}`);
  return tokenIn(await textOf(source, row), `verification mail for account ${userId}`);
}

/** The invitation token a transfer's mail carries to the offered address. */
export async function transferToken(source: Source, transferId: string): Promise<string> {
  const [row] = await source.infra.database.sql<MailRow[]>`
    select id, kind, recipient, body, payload, sealed, status from notification_outbox
    where kind = 'transfer.received' and channel = 'email' and payload->>'transferId' = ${transferId}
    limit 1`;
  if (!row) throw new Error(`no invitation mail for transfer ${transferId}`);
  return tokenIn(await textOf(source, row), `invitation mail for transfer ${transferId}`);
}
