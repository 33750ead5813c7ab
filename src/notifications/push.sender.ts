import webpush from 'web-push';
import type { Db } from '../db/types.js';
import type { Logger } from '../logger.js';
import {
  dropSubscription,
  recordPushFailure,
  recordPushSuccess,
  subscriptionsOf,
  type PushSubscriptionRow,
} from './push.repository.js';

export interface VapidConfig {
  VAPID_PUBLIC_KEY?: string | undefined;
  VAPID_PRIVATE_KEY?: string | undefined;
  VAPID_SUBJECT: string;
}

/** What the service worker shows (web/sw.js reads exactly these fields). */
export interface PushMessage {
  title: string;
  body: string;
  /** The page a click opens or focuses (a path on this site). */
  url: string;
  /** Notifications with the same tag replace each other on the device (the reminder replaces the first). */
  tag: string;
  kind: string;
}

/** How long a push service keeps a message for a device that is offline: a turn lasts minutes. */
const PUSH_TTL_SECONDS = 10 * 60;
/** A push service that takes longer than this is counted as failed for this try. */
const PUSH_TIMEOUT_MS = 10_000;

export interface PushOutcome {
  delivered: number;
  gone: number;
  failed: number;
}

/**
 * Sends Web Push messages (RFC 8030) with the payload encrypted for each subscription
 * (RFC 8291, aes128gcm) and signed with the VAPID key (RFC 8292). web-push builds the request
 * (encryption, headers); it is sent with fetch, which keeps the timeout ours.
 */
export class PushSender {
  constructor(
    private readonly db: Db,
    private readonly config: VapidConfig,
    private readonly logger: Logger,
  ) {}

  get enabled(): boolean {
    return Boolean(this.config.VAPID_PUBLIC_KEY && this.config.VAPID_PRIVATE_KEY);
  }

  /**
   * Pushes to every subscription of the account. A 404 or 410 deletes the subscription (the
   * browser dropped it); any other failure is recorded on it. Throws only when every
   * subscription failed for a reason worth retrying, so the outbox tries the row again.
   */
  async toUser(userId: string, message: PushMessage): Promise<PushOutcome> {
    const outcome: PushOutcome = { delivered: 0, gone: 0, failed: 0 };
    if (!this.enabled) return outcome;
    const subscriptions = await subscriptionsOf(this.db, userId);
    let lastError: Error | null = null;
    for (const sub of subscriptions) {
      try {
        const status = await this.send(sub, message);
        if (status === 404 || status === 410) {
          await dropSubscription(this.db, sub.id);
          outcome.gone++;
        } else if (status >= 200 && status < 300) {
          await recordPushSuccess(this.db, sub.id);
          outcome.delivered++;
        } else {
          throw new Error(`push service answered ${status}`);
        }
      } catch (err) {
        lastError = err as Error;
        outcome.failed++;
        await recordPushFailure(this.db, sub.id, lastError.message);
        this.logger.warn({ err, subscriptionId: sub.id }, 'web push failed');
      }
    }
    if (lastError && outcome.delivered === 0) throw lastError;
    return outcome;
  }

  private async send(sub: PushSubscriptionRow, message: PushMessage): Promise<number> {
    const request = webpush.generateRequestDetails(
      { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } },
      JSON.stringify(message),
      {
        TTL: PUSH_TTL_SECONDS,
        urgency: 'high',
        topic: message.tag.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32),
        contentEncoding: 'aes128gcm',
        vapidDetails: {
          subject: this.config.VAPID_SUBJECT,
          publicKey: this.config.VAPID_PUBLIC_KEY!,
          privateKey: this.config.VAPID_PRIVATE_KEY!,
        },
      },
    );
    const response = await fetch(request.endpoint, {
      method: request.method,
      headers: request.headers as Record<string, string>,
      body: request.body === null ? null : new Uint8Array(request.body),
      redirect: 'error',
      signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.status;
  }
}
