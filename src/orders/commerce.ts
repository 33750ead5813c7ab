import type { Infra } from '../infra/types.js';
import { GiftCardService } from '../giftcards/giftcards.service.js';
import { ProviderRegistry, type PaymentProvider, type ProviderName } from '../payments/provider.js';
import { SandboxProvider } from '../payments/sandbox.provider.js';
import { createStripeClient, StripeProvider } from '../payments/stripe.provider.js';
import { StripeWebhooks } from '../payments/webhooks.service.js';
import { convertHold, releaseHold } from '../sales/hold-lifecycle.js';
import { ReceiptSigner } from '../timeline/receipt-signer.js';
import type { HoldPort } from './holds.port.js';
import { OutboxWaker } from '../notifications/outbox-waker.js';
import { OrderService } from './orders.service.js';

export interface Commerce {
  providers: ProviderRegistry;
  /** Signs the receipts the order statements write; a process that stops flushes it. */
  receipts: ReceiptSigner;
  giftCards: GiftCardService;
  orders: OrderService;
  webhooks: StripeWebhooks;
}

/**
 * Payments, gift cards and orders, built from the infrastructure. The API process and the
 * worker (reconciler) both build them here, so they run exactly the same code.
 */
export function createCommerce(
  infra: Infra,
  receipts = new ReceiptSigner({ db: infra.database.db, signer: infra.signer, logger: infra.logger }),
): Commerce {
  const { config, database, signer, logger } = infra;
  const stripe = config.STRIPE_SECRET_KEY
    ? createStripeClient({ secretKey: config.STRIPE_SECRET_KEY, apiBase: config.STRIPE_API_BASE })
    : null;
  const available: Partial<Record<ProviderName, PaymentProvider>> = {};
  if (config.SANDBOX_PAYMENTS ?? config.NODE_ENV !== 'production') available.sandbox = new SandboxProvider(database.db);
  if (stripe) available.stripe = new StripeProvider(stripe);
  const providers = new ProviderRegistry(available);
  const holds: HoldPort = {
    // The hold's own receipt (hold.converted / hold.released) goes in the same transaction as the
    // order's: convert returns it for the order code to append with its own receipts.
    convert: (tx, holdId, userId, orderId) => convertHold(tx, holdId, userId, { orderId }),
    release: (tx, holdId) => releaseHold(tx, holdId, { signer, reason: 'order_not_completed' }),
  };
  const giftCards = new GiftCardService(database.db, providers, signer, logger);
  const outbox = new OutboxWaker(database.db, logger);
  const orders = new OrderService(
    { db: database.db, providers, signer, holds, config, logger, receipts, outbox },
    giftCards,
  );
  const webhooks = new StripeWebhooks(database.db, stripe, config.STRIPE_WEBHOOK_SECRET, orders.reconciler, logger);
  return { providers, receipts, giftCards, orders, webhooks };
}
