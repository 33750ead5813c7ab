import { ApiClient, type ApiAnswer } from './http.js';
import type { DropOptions } from './options.js';
import { rng } from './plan.js';
import type { DropTarget, TierInfo } from './types.js';

/**
 * Everything an organizer does before a drop, through the public API only: sign in, create
 * the venue, the event, a reserved and a general-admission tier, the seats, the on-sale
 * (scheduled far ahead until the crowd is registered), and the gift cards.
 */

export class SetupError extends Error {
  override name = 'SetupError';
}

function expect<T>(res: ApiAnswer<T>, what: string, ...ok: number[]): T {
  if (!ok.includes(res.status))
    throw new SetupError(`${what} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
  return res.body;
}

export const RESERVED_PRICE = { priceCents: 6_500, feeCents: 500 };
export const GA_PRICE = { priceCents: 4_000, feeCents: 400 };
const CURRENCY = 'EUR';
const ROW = 50;
/** A section per 5,000 seats keeps each layout request well under the API's 20,000-seat bound. */
const SECTION_ROWS = 100;

export interface PreparedDrop {
  target: DropTarget;
  organizerToken: string;
  giftCards: string[];
  onsale: Record<string, unknown>;
}

export async function prepareDrop(
  urls: string[],
  organizer: { email: string; password: string },
  options: DropOptions,
  log: (line: string) => void,
): Promise<PreparedDrop> {
  const api = new ApiClient(urls[0]!, 16);
  try {
    const session = expect(
      await api.call<{ token: string }>('POST', '/v1/auth/login', organizer),
      `signing in as ${organizer.email}`,
      200,
    );
    const token = session.token;
    const call = <T>(method: string, path: string, body: unknown) =>
      api.call<T>(method, path, body, { token, idempotencyKey: true });

    const venue = expect(
      await call<{ id: string }>('POST', '/v1/venues', {
        name: `Drop rehearsal hall ${options.seed}`,
        address: '1 Simulation Street',
        city: 'Lyon',
        country: 'FR',
        latitude: 45.76,
        longitude: 4.84,
        timeZone: 'Europe/Paris',
      }),
      'creating the venue',
      201,
    );
    const startsAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const event = expect(
      await call<{ id: string }>('POST', '/v1/events', {
        venueId: venue.id,
        title: `Drop rehearsal: ${options.fans} fans for ${options.seats} places`,
        description: 'Created by npm run drop.',
        startsAt,
        status: 'scheduled',
      }),
      'creating the event',
      201,
    );
    // ~70% reserved seats (the contended path), the rest general admission (the counter path).
    const reservedCount = Math.max(1, Math.round(options.seats * 0.7));
    const gaCount = options.seats - reservedCount;
    const reserved = expect(
      await call<{ id: string }>('POST', `/v1/events/${event.id}/tiers`, {
        name: 'Reserved',
        kind: 'reserved',
        ...RESERVED_PRICE,
        currency: CURRENCY,
        sortOrder: 0,
      }),
      'creating the reserved tier',
      201,
    );
    const ga = expect(
      await call<{ id: string }>('POST', `/v1/events/${event.id}/tiers`, {
        name: 'Standing',
        kind: 'ga',
        ...GA_PRICE,
        currency: CURRENCY,
        sortOrder: 1,
        capacity: gaCount,
      }),
      'creating the general-admission tier',
      201,
    );
    const fullRows = Math.floor(reservedCount / ROW);
    const rest = reservedCount % ROW;
    const totalRows = fullRows + (rest > 0 ? 1 : 0);
    for (let section = 0; section * SECTION_ROWS < totalRows; section++) {
      const first = section * SECTION_ROWS + 1;
      const end = (section + 1) * SECTION_ROWS;
      const lastFull = Math.min(fullRows, end);
      const blocks: Record<string, unknown>[] = [];
      if (lastFull >= first)
        blocks.push({
          tierId: reserved.id,
          section: `S${section + 1}`,
          rows: first === lastFull ? String(first) : `${first}-${lastFull}`,
          seats: `1-${ROW}`,
        });
      // The partial row goes with the section it falls in.
      if (rest > 0 && fullRows + 1 >= first && fullRows + 1 <= end)
        blocks.push({
          tierId: reserved.id,
          section: `S${section + 1}`,
          rows: String(fullRows + 1),
          seats: `1-${rest}`,
        });
      expect(await call('POST', `/v1/events/${event.id}/seats`, { blocks }), 'adding seats', 201, 200);
    }
    const onsale = onsaleBody(options, new Date(Date.now() + 3_600_000));
    expect(await call('PUT', `/v1/events/${event.id}/onsale`, onsale), 'scheduling the on-sale', 200, 201);

    // Gift cards: amounts from 10 to 150 EUR, so some cover an order and some only part of it.
    const random = rng(options.seed ^ 0x9e3779b9);
    const giftCards: string[] = [];
    for (let i = 0; i < options.giftCards; i += 8) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(8, options.giftCards - i) }, () =>
          call<{ code: string }>('POST', '/v1/gift-cards', {
            amountCents: 1_000 + 500 * Math.floor(random() * 29),
            currency: CURRENCY,
            note: 'drop rehearsal',
          }),
        ),
      );
      giftCards.push(...batch.map((b) => expect(b, 'issuing a gift card', 201).code));
    }
    log(
      `event ${event.id}: ${reservedCount} reserved seats, ${gaCount} standing places, ${giftCards.length} gift cards`,
    );

    const tier = (
      id: string,
      kind: 'reserved' | 'ga',
      price: { priceCents: number; feeCents: number },
      capacity: number,
    ): TierInfo => ({
      id,
      kind,
      totalCents: price.priceCents + price.feeCents,
      capacity,
    });
    return {
      target: {
        urls,
        eventId: event.id,
        currency: CURRENCY,
        mode: options.mode,
        tokenTtlMs: options.tokenTtl * 1000,
        pollMaxMs: options.pollMaxSeconds * 1000,
        joinKey: options.joinKey === 'yes',
        awayLookMs: options.awayLookSeconds * 1000,
        tiers: {
          reserved: tier(reserved.id, 'reserved', RESERVED_PRICE, reservedCount),
          ga: tier(ga.id, 'ga', GA_PRICE, gaCount),
        },
      },
      organizerToken: token,
      giftCards,
      onsale,
    };
  } finally {
    api.close();
  }
}

function onsaleBody(options: DropOptions, saleStartsAt: Date): Record<string, unknown> {
  // 60 s holds (the API's minimum): a fan who walks away gives the seats back within the rehearsal.
  const common = { saleStartsAt: saleStartsAt.toISOString(), holdTtlSeconds: 60, perAccountLimit: options.perAccount };
  if (options.mode === 'open') return { mode: 'open', ...common };
  return {
    mode: 'queue',
    ...common,
    prequeueOpensAt: new Date().toISOString(),
    admitPerMinute: options.admitPerMinute,
    // 60 s by default; a crowd that polls (over the sockets budget) needs more than its longest pause.
    purchaseTokenTtlSeconds: options.tokenTtl,
  };
}

/** Moves the sale start to `at` (the crowd is registered and the fan processes are ready). */
export async function openSale(urls: string[], prepared: PreparedDrop, at: Date): Promise<void> {
  const api = new ApiClient(urls[0]!, 2);
  try {
    const body = { ...prepared.onsale, saleStartsAt: at.toISOString() };
    if ('prequeueOpensAt' in body) body.prequeueOpensAt = new Date(Math.min(Date.now(), at.getTime())).toISOString();
    expect(
      await api.call('PUT', `/v1/events/${prepared.target.eventId}/onsale`, body, {
        token: prepared.organizerToken,
        idempotencyKey: true,
      }),
      'opening the sale',
      200,
      201,
    );
  } finally {
    api.close();
  }
}
