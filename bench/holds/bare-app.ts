/**
 * The bare HTTP purchase of `bench:holds` (issue #15): Express 5 with `express.json()` and
 * nothing else, doing only the SQL a purchase cannot do without, on the real tables and their
 * constraints. No sign-in (the body names the buyer), no validation, no idempotency records, no
 * payment, no receipts, no per-account limit: what is left is the floor the API is measured
 * against.
 *
 *   POST /hold      { userId, tierId, seats: [id] }   one statement: the conditional seat UPDATE
 *                                                     and the hold row, in one CTE
 *   POST /ga/hold   { userId, tierId, quantity }      one statement: the conditional counter
 *                                                     UPDATE and the hold row, in one CTE
 *   POST /order     { userId, holdId }                one transaction, its statements pipelined
 *   POST /ga/order  { userId, holdId }                (sent together, one round trip): the hold
 *                                                     converted, the seats sold (or the counter's
 *                                                     held moved to sold), the order, its items,
 *                                                     the tickets
 *
 * Each answers 201 with JSON, or 409 when a conditional statement missed (or a constraint
 * refused), rolling the whole request back. The order converts the hold and writes its items
 * although the issue lists only "order, ticket, seat sold": an active hold over sold
 * inventory would be given back again by expiry, and a ticket names its order item.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Response } from 'express';
import type postgres from 'postgres';

/** The on-sale's default hold TTL (onsale_settings.hold_ttl_seconds). */
const HOLD_TTL_SECONDS = 480;
/** What `orders.plan` says for a card-only order without attendees. */
const PLAN = { giftCards: [], attendees: null };

class Missed extends Error {}

/** 409 for a purchase the database refused (a missed condition, a unique or foreign-key violation). */
async function answer(res: Response, work: () => Promise<unknown>): Promise<void> {
  try {
    res.status(201).json(await work());
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (err instanceof Missed || code === '23505' || code === '23503' || code === '23514')
      res.status(409).json({ error: 'unavailable' });
    else res.status(500).json({ error: err instanceof Error ? err.message : String(err) });
  }
}

type Body = { userId: string; tierId: string; holdId: string; seats: string[]; quantity: number };

export function bareApp(sql: postgres.Sql) {
  const app = express();
  app.use(express.json());

  app.post('/hold', (req, res) =>
    answer(res, async () => {
      const { userId, tierId, seats } = req.body as Body;
      const holdId = randomUUID();
      // The hold row is inserted only when every seat was taken; a partial take leaves seats
      // pointing at a hold that does not exist, which the foreign key refuses at the end of
      // the statement, so nothing stays.
      const [hold] = await sql`
        with seat as (
          update seats set status = 'held', hold_id = ${holdId}, updated_at = now()
          where id = any(${seats}::uuid[]) and tier_id = ${tierId} and status = 'available'
          returning id, section, row, number, accessible
        ), hold as (
          insert into holds (id, user_id, event_id, tier_id, kind, quantity, seat_ids,
                             unit_price_cents, unit_fee_cents, currency, expires_at, idempotency_key)
          select ${holdId}, ${userId}, t.event_id, t.id, 'seats', ${seats.length}, ${seats}::uuid[],
                 t.price_cents, t.fee_cents, t.currency, now() + make_interval(secs => ${HOLD_TTL_SECONDS}),
                 ${req.get('idempotency-key') ?? holdId}
          from price_tiers t
          where t.id = ${tierId} and (select count(*) from seat) = ${seats.length}
          returning id, expires_at
        )
        select hold.id, hold.expires_at, (select json_agg(seat) from seat) as seats from hold`;
      if (!hold) throw new Missed();
      return hold;
    }),
  );

  app.post('/ga/hold', (req, res) =>
    answer(res, async () => {
      const { userId, tierId, quantity } = req.body as Body;
      const holdId = randomUUID();
      const [hold] = await sql`
        with counter as (
          update ga_inventory set held = held + ${quantity}
          where tier_id = ${tierId} and held + sold + ${quantity} <= capacity
          returning tier_id
        )
        insert into holds (id, user_id, event_id, tier_id, kind, quantity,
                           unit_price_cents, unit_fee_cents, currency, expires_at, idempotency_key)
        select ${holdId}, ${userId}, t.event_id, t.id, 'ga', ${quantity},
               t.price_cents, t.fee_cents, t.currency, now() + make_interval(secs => ${HOLD_TTL_SECONDS}),
               ${req.get('idempotency-key') ?? holdId}
        from counter c join price_tiers t on t.id = c.tier_id
        returning id, expires_at`;
      if (!hold) throw new Missed();
      return hold;
    }),
  );

  const order = (kind: 'seats' | 'ga') => (req: express.Request, res: Response) =>
    answer(res, () => {
      const { userId, holdId } = req.body as Body;
      const orderId = randomUUID();
      return sql.begin(async (tx) => {
        const [converted, inventory, [placed], , tickets] = await Promise.all([
          tx`update holds set status = 'converted', ended_at = now()
             where id = ${holdId} and user_id = ${userId} and kind = ${kind}
               and status = 'active' and expires_at > now()
             returning quantity`,
          kind === 'seats'
            ? tx`update seats set status = 'sold', updated_at = now()
                 where hold_id = ${holdId} and status = 'held' returning id`
            : tx`update ga_inventory g set held = g.held - h.quantity, sold = g.sold + h.quantity
                 from holds h where h.id = ${holdId} and h.status = 'converted' and g.tier_id = h.tier_id
                 returning g.tier_id`,
          tx`insert into orders (id, user_id, hold_id, event_id, status, currency, total_cents,
                                 gift_card_cents, card_cents, provider, card_last4, plan, confirmed_at, captured_at)
             select ${orderId}, h.user_id, h.id, h.event_id, 'captured', h.currency,
                    h.quantity * (h.unit_price_cents + h.unit_fee_cents), 0,
                    h.quantity * (h.unit_price_cents + h.unit_fee_cents), 'sandbox', '4242', ${tx.json(PLAN)}, now(), now()
             from holds h where h.id = ${holdId} and h.status = 'converted'
             returning id, total_cents`,
          kind === 'seats'
            ? tx`insert into order_items (order_id, tier_id, seat_id, price_cents)
                 select o.id, h.tier_id, s.id, h.unit_price_cents + h.unit_fee_cents
                 from orders o join holds h on h.id = o.hold_id, unnest(h.seat_ids) s(id)
                 where o.id = ${orderId}`
            : tx`insert into order_items (order_id, tier_id, price_cents)
                 select o.id, h.tier_id, h.unit_price_cents + h.unit_fee_cents
                 from orders o join holds h on h.id = o.hold_id, generate_series(1, h.quantity)
                 where o.id = ${orderId}`,
          tx`insert into tickets (order_id, order_item_id, event_id, tier_id, seat_id, holder_id)
             select i.order_id, i.id, o.event_id, i.tier_id, i.seat_id, o.user_id
             from order_items i join orders o on o.id = i.order_id
             where i.order_id = ${orderId}
             returning id, seat_id`,
        ]);
        const quantity = converted[0]?.quantity as number | undefined;
        // Thrown inside the transaction, so everything the pipeline wrote rolls back.
        if (quantity === undefined || !placed || tickets.length !== quantity) throw new Missed();
        if (kind === 'seats' ? inventory.length !== quantity : inventory.length !== 1) throw new Missed();
        return { ...placed, tickets };
      });
    });
  app.post('/order', order('seats'));
  app.post('/ga/order', order('ga'));
  return app;
}

/** The bare app on 127.0.0.1, an ephemeral port, the API's keep-alive; in this process. */
export async function startBareApp(sql: postgres.Sql): Promise<{ base: string; close: () => Promise<void> }> {
  const http = createServer(bareApp(sql));
  http.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', resolve);
  });
  return {
    base: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
