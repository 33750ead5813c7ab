import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/types.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Logger } from '../logger.js';
import { insertPayment, transitionPayment } from '../payments/payments.repository.js';
import { declined, type PaymentSource, type ProviderRegistry } from '../payments/provider.js';
import { AppError, notFound } from '../shared/errors.js';
import type { PlatformSigner } from '../shared/signing.js';
import { appendTimeline } from '../timeline/timeline.repository.js';
import { codeLast4, hashGiftCardCode, newGiftCardCode } from './giftcards.code.js';
import { findByCodeHash, findByRequestKey, insertGiftCard, type GiftCardView } from './giftcards.repository.js';

export interface IssuedGiftCard extends GiftCardView {
  /** The code, in this one answer only; null on a replay of the same request. */
  code: string | null;
}

export interface PurchasePayment {
  provider: 'stripe' | 'sandbox';
  sandbox: boolean;
  intentId: string;
}

export interface GiftCardTender {
  giftCardId: string;
  amountCents: number;
}

export class GiftCardService {
  constructor(
    private readonly db: Db,
    private readonly providers: ProviderRegistry,
    private readonly signer: PlatformSigner,
    private readonly logger: Logger,
  ) {}

  /** An organizer or admin creates a card (a prize, a goodwill gesture); no payment is involved. */
  async issue(
    principal: Principal,
    input: { amountCents: number; currency: string; note?: string | undefined },
    idempotencyKey: string | undefined,
  ): Promise<IssuedGiftCard> {
    const requestKey = idempotencyKey ? `${principal.userId}:${idempotencyKey}` : null;
    return this.create(requestKey, (code) =>
      this.db.transaction((tx) =>
        insertGiftCard(tx, {
          codeHash: hashGiftCardCode(code),
          codeLast4: codeLast4(code),
          currency: input.currency,
          amountCents: input.amountCents,
          source: 'issued',
          createdBy: principal.userId,
          note: input.note ?? null,
          requestKey,
        }),
      ),
    );
  }

  /**
   * A fan buys a card: authorize, write the card, its ledger row and the payment in one
   * transaction, then capture. If the write fails the authorization is cancelled; a crash
   * before capture leaves an authorized payment the reconciler captures.
   */
  async purchase(
    principal: Principal,
    input: { amountCents: number; currency: string; source: PaymentSource },
    idempotencyKey: string,
  ): Promise<IssuedGiftCard & { payment: PurchasePayment | null }> {
    const requestKey = `${principal.userId}:${idempotencyKey}`;
    const replay = await findByRequestKey(this.db, requestKey);
    if (replay) return { ...replay, code: null, payment: null };
    const provider = this.providers.forSource(input.source);
    const intent = await provider.authorize({
      amountCents: input.amountCents,
      currency: input.currency,
      source: input.source,
      idempotencyKey: `giftcard:${requestKey}:authorize`,
      metadata: { purpose: 'gift_card', userId: principal.userId },
      description: 'Fairdrop gift card',
    });
    if (intent.status === 'succeeded') {
      // A concurrent duplicate of this request already issued and captured.
      const prior = await findByRequestKey(this.db, requestKey);
      if (prior) return { ...prior, code: null, payment: null };
    }
    if (intent.status !== 'requires_capture') {
      if (intent.status !== 'canceled')
        await provider.cancel(intent.intentId, `giftcard:${requestKey}:cancel`).catch(() => undefined);
      throw declined(intent);
    }
    const payment: PurchasePayment = {
      provider: provider.name,
      sandbox: provider.name === 'sandbox',
      intentId: intent.intentId,
    };
    let paymentId: string | null = null;
    let card: IssuedGiftCard;
    try {
      card = await this.create(requestKey, (code) =>
        this.db.transaction(async (tx) => {
          const row = await insertGiftCard(tx, {
            codeHash: hashGiftCardCode(code),
            codeLast4: codeLast4(code),
            currency: input.currency,
            amountCents: input.amountCents,
            source: 'purchased',
            createdBy: principal.userId,
            requestKey,
          });
          const paid = await insertPayment(tx, {
            userId: principal.userId,
            method: 'card',
            provider: provider.name,
            intentId: intent.intentId,
            amountCents: input.amountCents,
            currency: input.currency,
            status: 'authorized',
            cardLast4: intent.cardLast4,
          });
          paymentId = paid.id;
          await appendTimeline(tx, this.signer, [
            {
              userId: principal.userId,
              kind: 'payment.authorized',
              subjectType: 'payment',
              subjectId: paid.id,
              actorId: principal.userId,
              data: { ...payment, amountCents: input.amountCents, currency: input.currency, for: 'gift_card' },
            },
            {
              userId: principal.userId,
              kind: 'giftcard.purchased',
              subjectType: 'gift_card',
              subjectId: row.id,
              actorId: principal.userId,
              data: { amountCents: input.amountCents, currency: input.currency, last4: row.codeLast4 },
            },
          ]);
          return row;
        }),
      );
    } catch (err) {
      await provider
        .cancel(intent.intentId, `giftcard:${requestKey}:cancel`)
        .catch((e: unknown) => this.logger.error({ err: e }, 'could not void a gift-card authorization'));
      throw err;
    }
    if (paymentId) await this.capture(principal.userId, paymentId, intent.intentId, provider.name);
    return { ...card, payment };
  }

  /** Captures a gift-card purchase and records it; the reconciler calls this for stranded ones. */
  async capture(
    userId: string,
    paymentId: string,
    intentId: string,
    providerName: 'stripe' | 'sandbox',
  ): Promise<void> {
    await this.providers.get(providerName).capture(intentId, `payment:${paymentId}:capture`);
    await this.db.transaction(async (tx) => {
      const moved = await transitionPayment(tx, paymentId, ['authorized'], 'captured');
      if (moved) {
        await appendTimeline(tx, this.signer, [
          {
            userId,
            kind: 'payment.captured',
            subjectType: 'payment',
            subjectId: paymentId,
            data: {
              provider: providerName,
              sandbox: providerName === 'sandbox',
              amountCents: moved.amountCents,
              currency: moved.currency,
            },
          },
        ]);
      }
    });
  }

  async balance(code: string): Promise<GiftCardView> {
    const card = await findByCodeHash(this.db, hashGiftCardCode(code));
    if (!card) throw notFound('giftcards.not_found', 'No gift card with this code.');
    return card;
  }

  /** Runs `write` with a fresh code; a replay of the same request returns the first card without its code. */
  private async create(
    requestKey: string | null,
    write: (code: string) => Promise<GiftCardView>,
  ): Promise<IssuedGiftCard> {
    if (requestKey) {
      const prior = await findByRequestKey(this.db, requestKey);
      if (prior) return { ...prior, code: null };
    }
    const code = newGiftCardCode();
    try {
      return { ...(await write(code)), code };
    } catch (err) {
      if (requestKey && isUniqueViolation(err)) {
        const prior = await findByRequestKey(this.db, requestKey);
        if (prior) return { ...prior, code: null };
      }
      throw err;
    }
  }
}

export function requireIdempotencyKey(key: string | undefined): string {
  if (key === undefined) {
    throw new AppError(
      400,
      'idempotency.key_required',
      'This request needs an Idempotency-Key header (a fresh UUID per attempt).',
      {
        errors: [{ in: 'header', field: 'Idempotency-Key', code: 'required', message: 'required' }],
      },
    );
  }
  if (!/^[\x21-\x7e]{8,255}$/.test(key)) {
    throw new AppError(400, 'idempotency.invalid_key', 'Idempotency-Key must be 8 to 255 printable ASCII characters.', {
      errors: [
        { in: 'header', field: 'Idempotency-Key', code: 'invalid', message: '8 to 255 printable ASCII characters' },
      ],
    });
  }
  return key;
}
