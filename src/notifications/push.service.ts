import type { Db } from '../db/types.js';
import { notFound, AppError } from '../shared/errors.js';
import {
  deleteSubscription,
  setTurnPreferences,
  subscriptionsOf,
  turnPreferences,
  upsertSubscription,
  type PushSubscriptionRow,
  type TurnPreferences,
} from './push.repository.js';
import type { VapidConfig } from './push.sender.js';

export interface PushSubscriptionView {
  id: string;
  label: string | null;
  /** The push service's host only: the full endpoint is a capability to push to the device. */
  service: string;
  createdAt: string;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
}

const view = (row: PushSubscriptionRow): PushSubscriptionView => ({
  id: row.id,
  label: row.label,
  service: new URL(row.endpoint).host,
  createdAt: row.createdAt.toISOString(),
  lastSuccessAt: row.lastSuccessAt?.toISOString() ?? null,
  lastFailureAt: row.lastFailureAt?.toISOString() ?? null,
});

/** The account's devices for Web Push and its channels for "your turn" messages. */
export class PushService {
  constructor(
    private readonly db: Db,
    private readonly config: VapidConfig,
  ) {}

  publicKey(): string {
    if (!this.config.VAPID_PUBLIC_KEY)
      throw new AppError(404, 'push.unavailable', 'This server does not send push notifications.');
    return this.config.VAPID_PUBLIC_KEY;
  }

  async subscribe(
    userId: string,
    input: { endpoint: string; keys: { p256dh: string; auth: string }; label?: string | undefined },
  ): Promise<PushSubscriptionView> {
    this.publicKey();
    const row = await upsertSubscription(this.db, {
      userId,
      endpoint: input.endpoint,
      p256dh: input.keys.p256dh,
      auth: input.keys.auth,
      label: input.label ?? null,
    });
    return view(row);
  }

  async list(userId: string): Promise<PushSubscriptionView[]> {
    return (await subscriptionsOf(this.db, userId)).map(view);
  }

  async remove(userId: string, id: string): Promise<void> {
    if (!(await deleteSubscription(this.db, userId, id)))
      throw notFound('push.subscription_not_found', 'No such device on this account.');
  }

  preferences(userId: string): Promise<TurnPreferences> {
    return turnPreferences(this.db, userId);
  }

  setPreferences(userId: string, prefs: TurnPreferences): Promise<TurnPreferences> {
    return setTurnPreferences(this.db, userId, prefs);
  }
}
