import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Infra } from '../infra/types.js';
import type { JobModule } from '../jobs/runtime.js';
import { createMailer, type Mailer } from './mailer.js';
import { OUTBOX_CHANNEL } from './notify.js';
import { openMail } from './outbox.repository.js';
import { outbox } from './outbox.table.js';

/** Five tries over ~half an hour, then the row is left `failed` for an operator to see. */
const MAX_ATTEMPTS = 5;
const backoffMs = (attempt: number) => 30_000 * 4 ** (attempt - 1);
const BATCH = 100;

/**
 * Delivers the outbox: pushes over socket.io (through the broadcaster) and mails. Rows are
 * claimed with FOR UPDATE SKIP LOCKED, so any number of workers share the work; a crash
 * mid-batch rolls the claim back and the rows are delivered again (at least once).
 */
export async function deliverOutbox(infra: Infra, mailer: Mailer): Promise<number> {
  const { db } = infra.database;
  return db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(outbox)
      .where(and(eq(outbox.status, 'pending'), lte(outbox.availableAt, sql`now()`)))
      .orderBy(asc(outbox.availableAt), asc(outbox.id))
      .limit(BATCH)
      .for('update', { skipLocked: true });
    const sent: number[] = [];
    for (const row of rows) {
      try {
        if (row.channel === 'push') {
          infra.broadcaster.toUser(row.recipient, 'notification', {
            id: Number(row.payload.notificationId ?? row.id),
            kind: row.kind,
            title: row.subject,
            body: row.body,
            createdAt: row.createdAt.toISOString(),
            data: (row.payload.data as Record<string, unknown> | undefined) ?? {},
          });
        } else {
          // A sealed mail is opened here, just before it leaves, and nowhere else.
          const text = row.sealed === null ? row.body : openMail(infra.signer, { ...row, sealed: row.sealed }).body;
          await mailer.send({ to: row.recipient, subject: row.subject, text }, row.id);
        }
        sent.push(row.id);
      } catch (err) {
        const attempts = row.attempts + 1;
        const failed = attempts >= MAX_ATTEMPTS;
        infra.logger.warn({ err, outboxId: row.id, attempts }, 'delivery failed');
        await tx
          .update(outbox)
          .set({
            attempts,
            lastError: (err as Error).message.slice(0, 500),
            status: failed ? 'failed' : 'pending',
            availableAt: new Date(Date.now() + backoffMs(attempts)),
            // Failed for good: the link it carried is of no use to anyone now.
            ...(failed ? { sealed: null } : {}),
          })
          .where(eq(outbox.id, row.id));
      }
    }
    if (sent.length > 0) {
      await tx
        .update(outbox)
        // Delivered: the secret it carried now lives only in the recipient's mailbox.
        .set({ status: 'sent', sentAt: sql`now()`, attempts: sql`${outbox.attempts} + 1`, sealed: null })
        .where(inArray(outbox.id, sent));
    }
    return rows.length;
  });
}

export const outboxDispatcher: JobModule = {
  name: 'outbox-dispatcher',
  async start(infra) {
    const mailer = createMailer(infra.config);
    infra.logger.info({ mail: mailer.describe }, 'outbox dispatcher delivering');
    let running: Promise<void> | null = null;
    let again = false;
    let stopped = false;
    const drain = () => {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      running = (async () => {
        try {
          do {
            again = false;
            while ((await deliverOutbox(infra, mailer)) === BATCH && !stopped);
          } while (again && !stopped);
        } catch (err) {
          infra.logger.error({ err }, 'outbox dispatcher failed; retrying on the next tick');
        } finally {
          running = null;
        }
      })();
    };
    const listener = await infra.database.sql.listen(OUTBOX_CHANNEL, drain, drain);
    const timer = setInterval(drain, infra.config.OUTBOX_POLL_MS);
    return {
      close: async () => {
        stopped = true;
        clearInterval(timer);
        await listener.unlisten();
        await running;
      },
    };
  },
};
