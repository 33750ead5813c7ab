import type { TestEnv } from './env.js';
import type { SaleFixture } from './commerce.js';

/**
 * N paid orders of one general-admission ticket each, written with a few set-based INSERTs
 * (seconds, not N checkouts): a buyer, a converted hold, a captured sandbox card payment with
 * its sandbox intent, an order item and a valid ticket per order. The rows are what a real
 * checkout leaves, so the refunds run the real code against the real sandbox provider.
 */
export async function bulkPaidOrders(env: TestEnv, sale: SaleFixture, count: number, tag: string): Promise<void> {
  const sql = env.infra.database.sql;
  const unit = sale.unitCents;
  await sql.begin(async (tx) => {
    await tx`create temporary table bulk on commit drop as
      select g as n, gen_random_uuid() as user_id, gen_random_uuid() as hold_id, gen_random_uuid() as order_id,
             'pi_sbx_bulk_' || ${tag} || '_' || g as intent_id
      from generate_series(1, ${count}) g`;
    await tx`insert into users (id, email, password_hash, display_name)
      select user_id, 'bulk.' || ${tag} || '.' || n || '@example.test', 'x', 'Buyer ' || n from bulk`;
    await tx`insert into holds (id, user_id, event_id, tier_id, kind, quantity, unit_price_cents, unit_fee_cents, currency, status, expires_at, idempotency_key, ended_at)
      select hold_id, user_id, ${sale.eventId}, ${sale.gaTierId}, 'ga', 1, ${sale.priceCents}, ${sale.feeCents}, ${sale.currency}, 'converted', now(), 'bulk-' || n, now() from bulk`;
    await tx`insert into orders (id, user_id, hold_id, event_id, status, currency, total_cents, gift_card_cents, card_cents, provider, intent_id, plan, confirmed_at, captured_at)
      select order_id, user_id, hold_id, ${sale.eventId}, 'captured', ${sale.currency}, ${unit}, 0, ${unit}, 'sandbox', intent_id, '{"giftCards":[],"attendees":null}'::jsonb, now(), now() from bulk`;
    await tx`insert into sandbox_payment_intents (id, idempotency_key, amount_cents, currency, status, amount_captured_cents, card_last4, metadata)
      select intent_id, 'order:' || order_id || ':authorize', ${unit}, ${sale.currency}, 'succeeded', ${unit}, '4242', jsonb_build_object('orderId', order_id::text) from bulk`;
    await tx`insert into payments (order_id, user_id, method, provider, intent_id, amount_cents, currency, status, card_last4)
      select order_id, user_id, 'card', 'sandbox', intent_id, ${unit}, ${sale.currency}, 'captured', '4242' from bulk`;
    await tx`with items as (
        insert into order_items (order_id, tier_id, price_cents) select order_id, ${sale.gaTierId}, ${unit} from bulk returning id, order_id)
      insert into tickets (order_id, order_item_id, event_id, tier_id, holder_id)
      select i.order_id, i.id, ${sale.eventId}, ${sale.gaTierId}, b.user_id from items i join bulk b on b.order_id = i.order_id`;
    await tx`update ga_inventory set capacity = greatest(capacity, sold + ${count}), sold = sold + ${count} where tier_id = ${sale.gaTierId}`;
  });
}

/** Accounts watching the event (some of them also holders, to show each person is told once). */
export async function bulkWatchers(
  env: TestEnv,
  eventId: string,
  count: number,
  tag: string,
  alsoHolders: number,
): Promise<void> {
  const sql = env.infra.database.sql;
  await sql`with fresh as (
      insert into users (email, password_hash, display_name)
      select 'watch.' || ${tag} || '.' || g || '@example.test', 'x', 'Watcher ' || g from generate_series(1, ${count}) g returning id)
    insert into watches (user_id, event_id) select id, ${eventId} from fresh`;
  await sql`insert into watches (user_id, event_id)
    select holder_id, ${eventId} from tickets where event_id = ${eventId} order by id limit ${alsoHolders} on conflict do nothing`;
}
