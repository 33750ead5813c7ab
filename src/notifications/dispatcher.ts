import type { Infra } from '../infra/types.js';
import type { JobModule } from '../jobs/runtime.js';
import { createMailer, type Mailer } from './mailer.js';
import { DEFAULT_LOCALE } from '../i18n/index.js';
import { renderNotice } from './notice-message.js';
import { PushSender } from './push.sender.js';
import { dropUsedTurnReminders } from './turn-notices.repository.js';
import {
  claimDue,
  markSent,
  openMail,
  OUTBOX_CHANNEL,
  recipientLocales,
  recordFailedDelivery,
  type OutboxRow,
} from './outbox.repository.js';

function sealedMailContent(infra: Infra, row: OutboxRow & { sealed: string }) {
  const { body, payload } = openMail(infra.signer, row);
  return { body, data: (payload.data as Record<string, unknown> | undefined) ?? {}, message: payload.message };
}

/** Five tries over ~half an hour, then the row is left `failed` for an operator to see. */
const MAX_ATTEMPTS = 5;
const backoffMs = (attempt: number) => 30_000 * 4 ** (attempt - 1);
const BATCH = 100;

/**
 * Delivers the outbox: pushes over socket.io (through the broadcaster) and mails. Rows are
 * claimed with FOR UPDATE SKIP LOCKED, so any number of workers share the work; a crash
 * mid-batch rolls the claim back and the rows are delivered again (at least once).
 */
export async function deliverOutbox(
  infra: Infra,
  mailer: Mailer,
  push: PushSender = new PushSender(infra.database.db, infra.config, infra.logger),
): Promise<number> {
  const { db } = infra.database;
  return db.transaction(async (tx) => {
    const rows = await claimDue(tx, BATCH);
    const skipped = await dropUsedTurnReminders(tx, rows);
    // Each recipient's language now, in one query for the batch: a switch reaches every message not yet sent.
    const locales = await recipientLocales(
      tx,
      rows.map((r) => r.userId),
    );
    const sent: number[] = [];
    for (const row of rows) {
      if (skipped.has(row.id)) continue;
      try {
        // A row keeps its message and the raw values it names (times); the words are made now, in the reader's language.
        const data = (row.payload.data as Record<string, unknown> | undefined) ?? {};
        const locale = (row.userId && locales.get(row.userId)) || DEFAULT_LOCALE;
        const inApp = () =>
          renderNotice({ title: row.subject, body: row.body, data, message: row.payload.message }, 'app', locale);
        if (row.channel === 'webpush') {
          await push.toUser(row.recipient, {
            ...inApp(),
            url: String(row.payload.url ?? '/'),
            tag: String(row.payload.tag ?? row.kind),
            kind: row.kind,
          });
        } else if (row.channel === 'push') {
          infra.broadcaster.toUser(row.recipient, 'notification', {
            id: Number(row.payload.notificationId ?? row.id),
            kind: row.kind,
            ...inApp(),
            createdAt: row.createdAt.toISOString(),
            data,
          });
        } else {
          // A sealed mail is opened here, just before it leaves, and nowhere else; its data is sealed with it.
          const mail =
            row.sealed === null
              ? { body: row.body, data, message: row.payload.message }
              : sealedMailContent(infra, { ...row, sealed: row.sealed });
          const words = renderNotice({ title: row.subject, ...mail }, 'mail', locale);
          await mailer.send({ to: row.recipient, subject: words.title, text: words.body }, row.id);
        }
        sent.push(row.id);
      } catch (err) {
        const attempts = row.attempts + 1;
        const failed = attempts >= MAX_ATTEMPTS;
        infra.logger.warn({ err, outboxId: row.id, attempts }, 'delivery failed');
        await recordFailedDelivery(tx, row.id, {
          attempts,
          lastError: (err as Error).message.slice(0, 500),
          failed,
          availableAt: new Date(Date.now() + backoffMs(attempts)),
        });
      }
    }
    if (sent.length > 0) await markSent(tx, sent);
    return rows.length;
  });
}

export const outboxDispatcher: JobModule = {
  name: 'outbox-dispatcher',
  async start(infra) {
    const mailer = createMailer(infra.config);
    const push = new PushSender(infra.database.db, infra.config, infra.logger);
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
            while ((await deliverOutbox(infra, mailer, push)) === BATCH && !stopped);
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
