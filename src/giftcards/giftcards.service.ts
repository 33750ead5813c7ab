import { createHash } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/types.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Logger } from '../logger.js';
import { insertPayment, transitionPayment } from '../payments/payments.repository.js';
import { declined, type PaymentSource, type ProviderRegistry } from '../payments/provider.js';
import { AppError } from '../shared/errors.js';
import type { PlatformSigner } from '../shared/signing.js';
import { appendTimeline } from '../timeline/timeline.repository.js';
import { codeLast4, hashGiftCardCode, newGiftCardCode } from './giftcards.code.js';
import { giftCardErrors } from './giftcards.errors.js';
import {
  findByRequestKey,
  findWithScopeByCodeHash,
  insertGiftCard,
  listIssued,
  type GiftCardView,
} from './giftcards.repository.js';
import { issuedScope, scopeView, type CardScope } from './giftcards.scope.js';

export interface IssuedGiftCard extends GiftCardView, CardScope {
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

/** The request's Idempotency-Key (if sent) and its `requestHash` (method, path, canonical body). */
export interface CardRequest {
  key: string | undefined;
  hash: string;
}

/** A card bought with money pays for any event. */
const platform = scopeView(null, null);

export interface IssuedEntry extends GiftCardView, CardScope {
  note: string | null;
  issuer: { id: string; name: string };
}

export class GiftCardService {
  constructor(
    private readonly db: Db,
    private readonly providers: ProviderRegistry,
    private readonly signer: PlatformSigner,
    private readonly logger: Logger,
  ) {}

  /**
   * An organizer or admin creates a card (a prize, a goodwill gesture); no payment is involved.
   * An admin's card is a platform card; an organizer's pays only for their own events.
   */
  async issue(
    principal: Principal,
    input: { amountCents: number; currency: string; note?: string | undefined },
    request: CardRequest,
  ): Promise<IssuedGiftCard> {
    const requestKey = request.key === undefined ? null : `${principal.userId}:${checkKey(request.key)}`;
    const scopeOrganizerId = issuedScope(principal);
    const card = await this.create(requestKey, request.hash, (code) =>
      this.db.transaction(async (tx) => {
        const row = await insertGiftCard(tx, {
          codeHash: hashGiftCardCode(code),
          codeLast4: codeLast4(code),
          currency: input.currency,
          amountCents: input.amountCents,
          source: 'issued',
          createdBy: principal.userId,
          scopeOrganizerId,
          note: input.note ?? null,
          requestKey,
          requestHash: request.hash,
        });
        await appendTimeline(tx, this.signer, [
          {
            userId: principal.userId,
            kind: 'giftcard.issued',
            subjectType: 'gift_card',
            subjectId: row.id,
            actorId: principal.userId,
            data: {
              amountCents: input.amountCents,
              currency: input.currency,
              last4: row.codeLast4,
              scopeOrganizerId,
              note: input.note ?? null,
            },
          },
        ]);
        return row;
      }),
    );
    // The only organizer an issuer's card can be scoped to is the issuer.
    return { ...card, ...scopeView(card.scopeOrganizerId, principal.displayName) };
  }

  /**
   * A fan buys a card: authorize, write the card, its ledger row and the payment in one
   * transaction, then capture. If the write fails the authorization is cancelled; a crash
   * before capture leaves an authorized payment the reconciler captures.
   */
  async purchase(
    principal: Principal,
    input: { amountCents: number; currency: string; source: PaymentSource },
    request: CardRequest,
  ): Promise<IssuedGiftCard & { payment: PurchasePayment | null }> {
    const requestKey = `${principal.userId}:${requireIdempotencyKey(request.key)}`;
    const replay = await findByRequestKey(this.db, requestKey);
    if (replay) return { ...replayOf(replay, request.hash), ...platform, payment: null };
    // Keyed by the request as well as its key: another body under the same key never shares an authorization.
    const stepKey = `giftcard:${createHash('sha256').update(`${requestKey}\n${request.hash}`).digest('base64url')}`;
    const provider = this.providers.forSource(input.source);
    const intent = await provider.authorize({
      amountCents: input.amountCents,
      currency: input.currency,
      source: input.source,
      idempotencyKey: `${stepKey}:authorize`,
      metadata: { purpose: 'gift_card', userId: principal.userId },
      description: 'Fairdrop gift card',
    });
    if (intent.status === 'succeeded') {
      // A concurrent duplicate of this request already issued and captured.
      const prior = await findByRequestKey(this.db, requestKey);
      if (prior) return { ...replayOf(prior, request.hash), ...platform, payment: null };
    }
    if (intent.status !== 'requires_capture') {
      if (intent.status !== 'canceled')
        await provider.cancel(intent.intentId, `${stepKey}:cancel`).catch(() => undefined);
      throw declined(intent);
    }
    const payment: PurchasePayment = {
      provider: provider.name,
      sandbox: provider.name === 'sandbox',
      intentId: intent.intentId,
    };
    let paymentId: string | null = null;
    let card: Omit<IssuedGiftCard, keyof CardScope>;
    try {
      card = await this.create(requestKey, request.hash, (code) =>
        this.db.transaction(async (tx) => {
          const row = await insertGiftCard(tx, {
            codeHash: hashGiftCardCode(code),
            codeLast4: codeLast4(code),
            currency: input.currency,
            amountCents: input.amountCents,
            source: 'purchased',
            createdBy: principal.userId,
            scopeOrganizerId: null,
            requestKey,
            requestHash: request.hash,
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
        .cancel(intent.intentId, `${stepKey}:cancel`)
        .catch((e: unknown) => this.logger.error({ err: e }, 'could not void a gift-card authorization'));
      throw err;
    }
    if (paymentId) await this.capture(principal.userId, paymentId, intent.intentId, provider.name);
    return { ...card, ...platform, payment };
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

  /** The balance lookup, with what the card pays for so a fan is not surprised at checkout. */
  async balance(code: string): Promise<GiftCardView & CardScope> {
    const card = await findWithScopeByCodeHash(this.db, hashGiftCardCode(code));
    if (!card) throw giftCardErrors.notFound();
    return { ...card, ...scopeView(card.scopeOrganizerId, card.scopeOrganizerName) };
  }

  /** The issuance audit: an organizer sees the cards they issued, an admin every issued card. */
  async listIssued(
    principal: Principal,
    query: { cursor?: string | undefined; limit: number },
  ): Promise<{ items: IssuedEntry[]; nextCursor: string | null }> {
    const rows = await listIssued(this.db, {
      issuerId: principal.roles.includes('admin') ? null : principal.userId,
      after: query.cursor === undefined ? null : decodeCursor(query.cursor),
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(({ issuerId, issuerName, scopeOrganizerName, cursorAt: _, ...card }) => ({
        ...card,
        ...scopeView(card.scopeOrganizerId, scopeOrganizerName),
        issuer: { id: issuerId, name: issuerName },
      })),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.cursorAt, last.id) : null,
    };
  }

  /**
   * Runs `write` with a fresh code. A replay of the same request returns the first card without
   * its code; the same key with another request is refused (422 idempotency.key_reused).
   */
  private async create(
    requestKey: string | null,
    hash: string,
    write: (code: string) => Promise<GiftCardView>,
  ): Promise<Omit<IssuedGiftCard, keyof CardScope>> {
    if (requestKey) {
      const prior = await findByRequestKey(this.db, requestKey);
      if (prior) return replayOf(prior, hash);
    }
    const code = newGiftCardCode();
    try {
      return { ...(await write(code)), code };
    } catch (err) {
      if (requestKey && isUniqueViolation(err)) {
        const prior = await findByRequestKey(this.db, requestKey);
        if (prior) return replayOf(prior, hash);
      }
      throw err;
    }
  }
}

/** The first card of a request key, without its code; refused when this request is another one. */
function replayOf(prior: GiftCardView & { requestHash: string | null }, hash: string) {
  // A card stored without a request hash (created before drizzle/0013 added the column) has
  // nothing to compare the request with: any request with its key replays it.
  if (prior.requestHash !== null && prior.requestHash !== hash) throw giftCardErrors.keyReused();
  const { requestHash: _, ...card } = prior;
  return { ...card, code: null };
}

const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opaque to clients: the last row's creation time (to the microsecond) and id. */
function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

function decodeCursor(text: string): { at: string; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw giftCardErrors.badCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw giftCardErrors.badCursor();
  const [at, id] = parsed as unknown[];
  if (typeof at !== 'string' || !STAMP.test(at) || typeof id !== 'string' || !UUID.test(id))
    throw giftCardErrors.badCursor();
  return { at, id };
}

/** An Idempotency-Key sent to a route that deduplicates itself: the API's usual form rule. */
function checkKey(key: string): string {
  if (!/^[\x21-\x7e]{8,255}$/.test(key)) {
    throw new AppError(400, 'idempotency.invalid_key', 'Idempotency-Key must be 8 to 255 printable ASCII characters.', {
      errors: [
        { in: 'header', field: 'Idempotency-Key', code: 'invalid', message: '8 to 255 printable ASCII characters' },
      ],
    });
  }
  return key;
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
  return checkKey(key);
}
