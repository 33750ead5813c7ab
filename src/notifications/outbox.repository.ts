import { sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { OUTBOX_CHANNEL } from './notify.js';
import { outbox } from './outbox.table.js';

export interface EmailMessage {
  userId: string | null;
  kind: string;
  to: string;
  subject: string;
  body: string;
  payload?: Record<string, unknown>;
}

/** Queues a mail in the caller's transaction; the delivery worker sends it after commit. */
export async function enqueueEmail(db: Db, message: EmailMessage): Promise<number> {
  const [row] = await db
    .insert(outbox)
    .values({
      userId: message.userId,
      kind: message.kind,
      channel: 'email',
      recipient: message.to,
      subject: message.subject,
      body: message.body,
      payload: message.payload ?? {},
    })
    .returning({ id: outbox.id });
  await db.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
  return row!.id;
}
