import type postgres from 'postgres';

/**
 * The oversell audit: what Postgres says about one event after a drop, checked against the
 * promises the product makes (no seat sold twice, nothing sold beyond capacity, every payment
 * has tickets and every ticket a payment, gift-card ledgers balance). It reads only committed
 * rows, so it must run once the drop has settled (no order between authorize and commit).
 *
 * The constraints already forbid some of these states (a second valid ticket for a seat is a
 * unique-index violation); the audit checks them anyway, because it is the evidence a drop
 * report shows, and a migration that dropped a constraint would otherwise go unnoticed.
 */

export interface AuditCheck {
  name: string;
  description: string;
  ok: boolean;
  violations: number;
  /** Up to ten offending rows, rendered for a human. */
  samples: string[];
}

export interface TierAudit {
  tierId: string;
  name: string;
  kind: 'reserved' | 'ga';
  capacity: number;
  sold: number;
}

export interface AuditResult {
  eventId: string;
  clean: boolean;
  checks: AuditCheck[];
  tiers: TierAudit[];
  totals: {
    capacity: number;
    ticketsValid: number;
    ordersPaid: number;
    capturedCents: number;
    giftCardsChecked: number;
  };
}

const SAMPLES = 10;

function check(name: string, description: string, offending: string[]): AuditCheck {
  return {
    name,
    description,
    ok: offending.length === 0,
    violations: offending.length,
    samples: offending.slice(0, SAMPLES),
  };
}

/**
 * Reads the event's state from Postgres and checks every invariant. Read-only; one repeatable
 * read transaction so all checks see the same snapshot even if something still writes.
 */
export async function auditEvent(sql: postgres.Sql, eventId: string): Promise<AuditResult> {
  return (await sql.begin('isolation level repeatable read read only', (tx) =>
    auditSnapshot(tx, eventId),
  )) as AuditResult;
}

type Tx = postgres.TransactionSql;

async function auditSnapshot(tx: Tx, eventId: string): Promise<AuditResult> {
  const tiers = await tierSales(tx, eventId);
  const giftCards = await giftCardLedgers(tx, eventId);
  const checks = [
    soldWithinCapacity(tiers),
    await gaCounterMatches(tx, eventId),
    await noSeatSoldTwice(tx, eventId),
    await seatStatusMatchesTickets(tx, eventId),
    await capturedPaymentsHaveTickets(tx, eventId),
    await validTicketsPaid(tx, eventId),
    await orderTendersAddUp(tx, eventId),
    giftCardLedgersBalance(giftCards),
    await giftCardDebitsPaid(tx, eventId),
    await waitlistOffersHold(tx, eventId),
    await resaleTicketsOneHolder(tx, eventId),
    await resaleSoldOncePaidOnce(tx, eventId),
  ];
  const paid = await paidTotals(tx, eventId);
  return {
    eventId,
    clean: checks.every((c) => c.ok),
    checks,
    tiers: tiers.map((t) => ({ tierId: t.id, name: t.name, kind: t.kind, capacity: t.capacity, sold: t.sold })),
    totals: {
      capacity: tiers.reduce((n, t) => n + t.capacity, 0),
      ticketsValid: tiers.reduce((n, t) => n + t.sold, 0),
      ordersPaid: paid.ordersPaid,
      capturedCents: paid.capturedCents,
      giftCardsChecked: giftCards.length,
    },
  };
}

interface TierSales {
  id: string;
  name: string;
  kind: 'reserved' | 'ga';
  capacity: number;
  sold: number;
}

/** Each tier's places (its seats, or its GA capacity) and its valid tickets. */
async function tierSales(tx: Tx, eventId: string): Promise<TierSales[]> {
  return tx<TierSales[]>`
    select t.id, t.name, t.kind,
      case when t.kind = 'ga' then coalesce(g.capacity, 0)
           else (select count(*) from seats s where s.tier_id = t.id) end::int as capacity,
      (select count(*) from tickets k where k.tier_id = t.id and k.status = 'valid')::int as sold
    from price_tiers t left join ga_inventory g on g.tier_id = t.id
    where t.event_id = ${eventId}
    order by t.sort_order, t.name`;
}

function soldWithinCapacity(tiers: TierSales[]): AuditCheck {
  return check(
    'sold_within_capacity',
    'Valid tickets per tier ≤ its capacity (seats of a reserved tier, the GA capacity)',
    tiers
      .filter((t) => t.sold > t.capacity)
      .map((t) => `tier ${t.name} (${t.id}): ${t.sold} valid tickets for ${t.capacity} places`),
  );
}

/** The GA counter is what the hold path trusts; it must agree with the tickets it sold. */
async function gaCounterMatches(tx: Tx, eventId: string): Promise<AuditCheck> {
  const counters = await tx<{ tier_id: string; capacity: number; held: number; sold: number; tickets: number }[]>`
    select g.tier_id, g.capacity, g.held, g.sold,
      (select count(*) from tickets k where k.tier_id = g.tier_id and k.status = 'valid')::int as tickets
    from ga_inventory g where g.event_id = ${eventId}`;
  return check(
    'ga_counter_matches',
    'Each GA counter: sold equals its valid tickets, held + sold ≤ capacity',
    counters
      .filter((g) => g.sold !== g.tickets || g.held + g.sold > g.capacity)
      .map(
        (g) =>
          `GA tier ${g.tier_id}: counter sold ${g.sold}, held ${g.held}, capacity ${g.capacity}; ${g.tickets} valid tickets`,
      ),
  );
}

async function noSeatSoldTwice(tx: Tx, eventId: string): Promise<AuditCheck> {
  const seats = await tx<{ seat_id: string; n: number }[]>`
    select seat_id, count(*)::int as n from tickets
    where event_id = ${eventId} and status = 'valid' and seat_id is not null
    group by seat_id having count(*) > 1`;
  return check(
    'no_seat_sold_twice',
    'At most one valid ticket per seat',
    seats.map((s) => `seat ${s.seat_id}: ${s.n} valid tickets`),
  );
}

/**
 * A sold seat without its valid ticket is a sale nobody can use; a valid ticket on a seat that
 * is not sold means the seat can be sold again.
 */
async function seatStatusMatchesTickets(tx: Tx, eventId: string): Promise<AuditCheck> {
  const seats = await tx<{ seat_id: string; status: string; tickets: number }[]>`
    select s.id as seat_id, s.status,
      (select count(*) from tickets k where k.seat_id = s.id and k.status = 'valid')::int as tickets
    from seats s where s.event_id = ${eventId}
      and ((s.status = 'sold') <> exists (select 1 from tickets k where k.seat_id = s.id and k.status = 'valid'))`;
  return check(
    'seat_status_matches_tickets',
    'A seat is sold exactly when it has a valid ticket',
    seats.map((s) => `seat ${s.seat_id}: status ${s.status}, ${s.tickets} valid tickets`),
  );
}

/** Card payments captured (money taken) and gift-card debits: the order must hold tickets. */
async function capturedPaymentsHaveTickets(tx: Tx, eventId: string): Promise<AuditCheck> {
  const payments = await tx<
    {
      payment_id: string;
      order_id: string;
      method: string;
      status: string;
      amount_cents: number;
      order_status: string;
    }[]
  >`
    select p.id as payment_id, p.order_id, p.method, p.status, p.amount_cents, o.status as order_status
    from payments p join orders o on o.id = p.order_id
    where o.event_id = ${eventId} and p.status in ('captured', 'partially_refunded')
      and p.amount_cents > p.refunded_cents
      and not exists (select 1 from tickets k where k.order_id = o.id and k.status = 'valid')`;
  return check(
    'captured_payments_have_tickets',
    'Every captured payment (card or gift card) belongs to an order holding valid tickets',
    payments.map(
      (p) =>
        `${p.method} payment ${p.payment_id} (${p.status}, ${p.amount_cents}) of order ${p.order_id} (${p.order_status}) has no valid ticket`,
    ),
  );
}

async function validTicketsPaid(tx: Tx, eventId: string): Promise<AuditCheck> {
  const tickets = await tx<{ ticket_id: string; order_id: string; order_status: string | null }[]>`
    select k.id as ticket_id, k.order_id, o.status as order_status
    from tickets k left join orders o on o.id = k.order_id
    where k.event_id = ${eventId} and k.status = 'valid'
      and (o.id is null or o.status not in ('captured', 'confirmed'))`;
  return check(
    'valid_tickets_paid',
    'Every valid ticket belongs to an order that is captured or confirmed',
    tickets.map((t) => `ticket ${t.ticket_id}: order ${t.order_id} is ${t.order_status ?? 'missing'}`),
  );
}

/**
 * The tenders of a paid order add up to what it charged: the card for card_cents (authorized
 * until captured), the gift cards for gift_card_cents.
 */
async function orderTendersAddUp(tx: Tx, eventId: string): Promise<AuditCheck> {
  const orders = await tx<
    {
      order_id: string;
      status: string;
      total_cents: number;
      card: number;
      gift: number;
      card_cents: number;
      gift_card_cents: number;
    }[]
  >`
    select o.id as order_id, o.status, o.total_cents, o.card_cents, o.gift_card_cents,
      coalesce(sum(p.amount_cents) filter (where p.method = 'card' and p.status in ('authorized', 'captured', 'partially_refunded', 'refunded')), 0)::int as card,
      coalesce(sum(p.amount_cents) filter (where p.method = 'gift_card'), 0)::int as gift
    from orders o left join payments p on p.order_id = o.id
    where o.event_id = ${eventId} and o.status in ('captured', 'confirmed')
    group by o.id
    having coalesce(sum(p.amount_cents) filter (where p.method = 'card' and p.status in ('authorized', 'captured', 'partially_refunded', 'refunded')), 0) <> o.card_cents
        or coalesce(sum(p.amount_cents) filter (where p.method = 'gift_card'), 0) <> o.gift_card_cents`;
  return check(
    'order_tenders_add_up',
    "A paid order's card and gift-card payments equal its card and gift-card amounts",
    orders.map(
      (o) =>
        `order ${o.order_id} (${o.status}): card ${o.card}/${o.card_cents}, gift cards ${o.gift}/${o.gift_card_cents}`,
    ),
  );
}

interface GiftCardLedger {
  id: string;
  last4: string;
  balance: number;
  initial: number;
  ledger: number;
  credits: number;
  refunds: number;
}

/** Every gift card this event's orders touched, with the sums of its ledger. */
async function giftCardLedgers(tx: Tx, eventId: string): Promise<GiftCardLedger[]> {
  return tx<GiftCardLedger[]>`
    with touched as (
      select distinct l.gift_card_id as id from gift_card_ledger l join orders o on o.id = l.order_id where o.event_id = ${eventId}
      union
      select distinct p.gift_card_id from payments p join orders o on o.id = p.order_id where o.event_id = ${eventId} and p.gift_card_id is not null
    )
    select g.id, g.code_last4 as last4, g.balance_cents as balance, g.initial_cents as initial,
      coalesce((select sum(amount_cents) from gift_card_ledger l where l.gift_card_id = g.id), 0)::int as ledger,
      coalesce((select sum(amount_cents) from gift_card_ledger l where l.gift_card_id = g.id and l.kind in ('issue', 'purchase')), 0)::int as credits,
      coalesce((select sum(amount_cents) from gift_card_ledger l where l.gift_card_id = g.id and l.kind = 'refund'), 0)::int as refunds
    from gift_cards g join touched t on t.id = g.id`;
}

/** A gift card's ledger sums to its balance, and its credits to its initial value. */
function giftCardLedgersBalance(giftCards: GiftCardLedger[]): AuditCheck {
  return check(
    'gift_card_ledgers_balance',
    "Each gift card's ledger sums to its balance and its credits to its initial value",
    giftCards
      .filter((g) => g.ledger !== g.balance || g.credits !== g.initial)
      .map(
        (g) =>
          `gift card …${g.last4} (${g.id}): balance ${g.balance}, ledger sums to ${g.ledger}; initial ${g.initial}, credits ${g.credits}`,
      ),
  );
}

/** Each debit of a gift card for an order has that order's payment from the same card. */
async function giftCardDebitsPaid(tx: Tx, eventId: string): Promise<AuditCheck> {
  const debits = await tx<{ gift_card_id: string; order_id: string; debited: number; paid: number }[]>`
    select l.gift_card_id, l.order_id, (-sum(l.amount_cents))::int as debited,
      coalesce((select sum(p.amount_cents) from payments p where p.order_id = l.order_id and p.gift_card_id = l.gift_card_id), 0)::int as paid
    from gift_card_ledger l join orders o on o.id = l.order_id
    where o.event_id = ${eventId} and l.kind = 'debit'
    group by l.gift_card_id, l.order_id
    having (-sum(l.amount_cents)) <> coalesce((select sum(p.amount_cents) from payments p where p.order_id = l.order_id and p.gift_card_id = l.gift_card_id), 0)`;
  return check(
    'gift_card_debits_paid',
    "Each gift-card debit for an order equals that order's gift-card payment from the card",
    debits.map((d) => `gift card ${d.gift_card_id}, order ${d.order_id}: debited ${d.debited}, payment ${d.paid}`),
  );
}

/**
 * Resale (src/resale/): each ticket has one holder at a time. A sold listing re-issued its
 * ticket (the version moved past the one listed, to the buyer first); a live listing's ticket is
 * still its seller's, at the version listed, marked with that listing; a ticket marked listed
 * points at its own live listing; no ticket version is sold twice.
 */
async function resaleTicketsOneHolder(tx: Tx, eventId: string): Promise<AuditCheck> {
  const rows = await tx<{ problem: string }[]>`
    select 'sold listing ' || l.id || ': ticket ' || k.id || ' is at version ' || k.version
           || ' held by ' || k.holder_id || ', not re-issued to buyer ' || l.buyer_id as problem
      from resale_listings l join tickets k on k.id = l.ticket_id
      where l.event_id = ${eventId} and l.status = 'sold'
        and (k.version <= l.ticket_version or (k.version = l.ticket_version + 1 and k.holder_id <> l.buyer_id))
    union all
    select 'live listing ' || l.id || ': ticket ' || k.id || ' is ' || k.status || ', version ' || k.version
           || ', held by ' || k.holder_id || ', marked ' || coalesce(k.resale_listing_id::text, 'unlisted')
      from resale_listings l join tickets k on k.id = l.ticket_id
      where l.event_id = ${eventId} and l.status = 'listed' and k.status = 'valid'
        and (k.holder_id <> l.seller_id or k.version <> l.ticket_version or k.resale_listing_id is distinct from l.id)
    union all
    select 'ticket ' || k.id || ' is marked listed on ' || k.resale_listing_id || ', which is not its live listing'
      from tickets k left join resale_listings l on l.id = k.resale_listing_id
      where k.event_id = ${eventId} and k.resale_listing_id is not null
        and (l.id is null or l.ticket_id <> k.id or l.status <> 'listed')
    union all
    select 'ticket ' || l.ticket_id || ' version ' || l.ticket_version || ' was sold by ' || count(*) || ' listings'
      from resale_listings l where l.event_id = ${eventId} and l.status = 'sold'
      group by l.ticket_id, l.ticket_version having count(*) > 1`;
  return check(
    'resale_ticket_one_holder',
    'Each resold ticket was re-issued to its buyer, each listed one is still its seller’s, no ticket version sold twice',
    rows.map((r) => r.problem),
  );
}

/**
 * Resale money: each sold listing has exactly one captured buyer payment (of its price; refunded
 * later if the event was cancelled) and one seller payout (its price less the fee); a listing
 * that did not sell has neither, and no payment of it is left authorized.
 */
async function resaleSoldOncePaidOnce(tx: Tx, eventId: string): Promise<AuditCheck> {
  const rows = await tx<{ problem: string }[]>`
    select 'listing ' || l.id || ' (' || l.status || '): ' || count(p.id) filter (where p.status in ('captured', 'refund_pending', 'refunded'))
           || ' captured and ' || count(p.id) filter (where p.status = 'committed') || ' uncaptured winning payments, '
           || count(p.id) filter (where p.status in ('pending', 'authorized')) || ' authorizations left open, '
           || coalesce(sum(p.amount_cents) filter (where p.status in ('captured', 'refund_pending', 'refunded')), 0) || ' of ' || l.price_cents || ' captured' as problem
      from resale_listings l left join resale_purchases p on p.listing_id = l.id
      where l.event_id = ${eventId}
      group by l.id
      having count(p.id) filter (where p.status in ('pending', 'authorized', 'committed')) > 0
          or count(p.id) filter (where p.status in ('captured', 'refund_pending', 'refunded')) <> (case when l.status = 'sold' then 1 else 0 end)
          or coalesce(sum(p.amount_cents) filter (where p.status in ('captured', 'refund_pending', 'refunded')), 0)
             <> (case when l.status = 'sold' then l.price_cents else 0 end)
    union all
    select 'listing ' || l.id || ' (' || l.status || '): ' || count(o.id) || ' payouts of '
           || coalesce(sum(o.amount_cents), 0) || ', expected ' || (case when l.status = 'sold' then '1 of ' || (l.price_cents - l.fee_cents) else 'none' end)
      from resale_listings l left join resale_payouts o on o.listing_id = l.id
      where l.event_id = ${eventId}
      group by l.id
      having count(o.id) <> (case when l.status = 'sold' then 1 else 0 end)
          or (l.status = 'sold' and coalesce(sum(o.amount_cents), 0) <> l.price_cents - l.fee_cents)`;
  return check(
    'resale_sold_once_paid_once',
    'Each sold listing has exactly one captured buyer payment and one seller payout; an unsold one has neither',
    rows.map((r) => r.problem),
  );
}

/** Orders paid (captured or confirmed) and the money captured net of refunds. */
/**
 * The waitlist (src/waitlist/): an offer is a hold made for the next fan in line, so "no place
 * offered to two fans at once" and "no returned place lost" are statements about holds and
 * inventory: every seat of a live hold is held by that hold and by no other; every held seat
 * belongs to a live hold; each GA counter's `held` is exactly its live holds' quantities; no
 * hold is two entries' offer; a live offer's hold is its own fan's. A returned place is then
 * sold, on offer (held), or back in stock. Index reads of one event; cheap beside the others.
 */
async function waitlistOffersHold(tx: Tx, eventId: string): Promise<AuditCheck> {
  const rows = await tx<{ problem: string }[]>`
    select 'seat ' || s.id || ' is ' || s.status || ' by hold ' || coalesce(s.hold_id::text, 'none')
           || ', but live hold ' || h.id || ' counts it' as problem
      from holds h cross join unnest(h.seat_ids) as u(seat_id) join seats s on s.id = u.seat_id
      where h.event_id = ${eventId} and h.status = 'active' and (s.status <> 'held' or s.hold_id is distinct from h.id)
    union all
    select 'seat ' || s.id || ' is held by ' || coalesce(s.hold_id::text, 'no hold') || ', which is not live'
      from seats s left join holds h on h.id = s.hold_id
      where s.event_id = ${eventId} and s.status = 'held' and (h.id is null or h.status <> 'active')
    union all
    select 'GA tier ' || g.tier_id || ': held ' || g.held || ', live holds ' || coalesce(sum(h.quantity), 0)
      from ga_inventory g left join holds h on h.tier_id = g.tier_id and h.status = 'active'
      where g.event_id = ${eventId}
      group by g.tier_id, g.held having g.held <> coalesce(sum(h.quantity), 0)
    union all
    select 'hold ' || w.hold_id || ' is the offer of ' || count(*) || ' waitlist entries'
      from waitlist_entries w where w.event_id = ${eventId} and w.hold_id is not null
      group by w.hold_id having count(*) > 1
    union all
    select 'waitlist entry ' || w.id || ' was offered hold ' || w.hold_id || ' of another account or event'
      from waitlist_entries w join holds h on h.id = w.hold_id
      where w.event_id = ${eventId} and (h.user_id <> w.user_id or h.event_id <> w.event_id)`;
  return check(
    'waitlist_offers_hold_their_places',
    'Every held place belongs to exactly one live hold (a waitlist offer is one), GA held = live holds, one entry per offer',
    rows.map((r) => r.problem),
  );
}

async function paidTotals(tx: Tx, eventId: string): Promise<{ ordersPaid: number; capturedCents: number }> {
  const [totals] = await tx<{ orders_paid: number; captured_cents: number }[]>`
    select count(*) filter (where o.status in ('captured', 'confirmed'))::int as orders_paid,
      coalesce((select sum(p.amount_cents - p.refunded_cents) from payments p join orders o2 on o2.id = p.order_id
                where o2.event_id = ${eventId} and p.status in ('captured', 'partially_refunded')), 0)::int as captured_cents
    from orders o where o.event_id = ${eventId}`;
  return { ordersPaid: totals?.orders_paid ?? 0, capturedCents: totals?.captured_cents ?? 0 };
}

/**
 * Queue mode: every join the API acknowledged has its entry in Redis, once. `acknowledged`
 * maps account id → entry id as the join answers returned them; the entries hash and the
 * accounts hash come from the waiting room's keys (queue/keys.ts).
 */
export interface QueueAuditInput {
  acknowledged: ReadonlyMap<string, string>;
  /** HGETALL of the room's `accounts` hash: account id → entry id. */
  accounts: Record<string, string>;
  /** HGETALL of the room's `entries` hash: entry id → `<joinedAtMs>:<accountId>`. */
  entries: Record<string, string>;
}

export function auditQueueEntries(input: QueueAuditInput): AuditCheck[] {
  const lost: string[] = [];
  const changed: string[] = [];
  for (const [account, entry] of input.acknowledged) {
    const stored = input.accounts[account];
    if (stored !== undefined && stored !== entry)
      changed.push(`account ${account}: acknowledged entry ${entry}, Redis holds ${stored}`);
    else if (stored === undefined || input.entries[entry] === undefined)
      lost.push(`account ${account}: acknowledged entry ${entry} is not in Redis`);
  }
  // One entry per account: two entry ids naming the same account would be a duplicate.
  const byAccount = new Map<string, number>();
  for (const value of Object.values(input.entries)) {
    const account = value.slice(value.indexOf(':') + 1);
    byAccount.set(account, (byAccount.get(account) ?? 0) + 1);
  }
  const duplicated = [...byAccount].filter(([, n]) => n > 1).map(([account, n]) => `account ${account}: ${n} entries`);
  return [
    check('no_queue_entry_lost', 'Every join the API acknowledged has its entry in Redis', lost),
    check('queue_entry_stable', 'Each account keeps the entry id its join was answered with', changed),
    check('no_queue_entry_duplicated', 'At most one entry per account', duplicated),
  ];
}

/**
 * What the clients were told against what Postgres holds: every order a fan was answered 201
 * for is captured with exactly the tickets the answer listed, and Postgres has no paid order
 * that no client knows of (a purchase whose answer was lost, e.g. when a node died mid-request
 * and the retry did not find it). This is "every paying fan has tickets" from the fans' side.
 */
export async function auditClientOrders(
  sql: postgres.Sql,
  eventId: string,
  told: { orderId: string; tickets: number }[],
): Promise<AuditCheck[]> {
  const rows = await sql<{ id: string; status: string; tickets: number }[]>`
    select o.id, o.status,
      (select count(*) from tickets k where k.order_id = o.id and k.status = 'valid')::int as tickets
    from orders o where o.event_id = ${eventId} and o.status = 'captured'`;
  const inDb = new Map(rows.map((r) => [r.id, r]));
  const known = new Set(told.map((t) => t.orderId));
  const missing: string[] = [];
  for (const t of told) {
    const row = inDb.get(t.orderId);
    if (!row) missing.push(`order ${t.orderId}: answered 201 to the fan, not captured in Postgres`);
    else if (row.tickets !== t.tickets)
      missing.push(`order ${t.orderId}: fan was told ${t.tickets} tickets, Postgres holds ${row.tickets} valid`);
  }
  const unknown = rows
    .filter((r) => !known.has(r.id))
    .map((r) => `order ${r.id}: captured with ${r.tickets} tickets, no client got its answer`);
  return [
    check(
      'paying_fans_have_tickets',
      'Every order a fan was told succeeded is captured with the tickets it was told',
      missing,
    ),
    check('no_unanswered_purchase', 'No captured order that no fan was told about (a lost answer)', unknown),
  ];
}
