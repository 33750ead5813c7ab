import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancellationModule } from '../../src/cancellations/cancellations.jobs.js';
import { CARDS, commerceCounts, createSale, holdDirect, idem, order } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { until } from '../support/tickets-fixtures.js';

/**
 * Found in the access review (issue #16): a hold made before its event was cancelled could still
 * be paid for afterwards, and nothing refunded it. The commit now refuses an event called off.
 */
let env: TestEnv;
let worker: { close(): Promise<void> } | undefined;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000', CANCELLATION_SWEEP_MS: '300' });
  worker = await cancellationModule().start(env.infra);
});
afterAll(async () => {
  await worker?.close();
  await env?.close();
});

describe('an event cancelled while a fan holds seats', () => {
  it('the hold buys nothing once the event is cancelled: no charge, no ticket, no order', async () => {
    const sale = await createSale(env, { seats: 4 });
    const fan = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds: sale.seatIds.slice(0, 1) });
    const cancelled = await env.api.post(
      `/v1/events/${sale.eventId}/cancel`,
      { reason: 'Storm warning' },
      { token: sale.organizer.token, headers: { 'idempotency-key': idem() } },
    );
    expect(cancelled.status).toBe(202);
    await until(
      async () =>
        (await env.api.get(`/v1/events/${sale.eventId}/cancellation`, { token: sale.organizer.token })).body
          .completedAt != null,
      15_000,
    );
    const before = await commerceCounts(env);
    const res = await order(env, fan.token, { holdId, payment: { card: CARDS.ok } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('sales.not_on_sale');
    const after = await commerceCounts(env);
    // The refused order is recorded as failed and its authorization voided: nothing captured, no ticket.
    expect(after.tickets).toBe(before.tickets);
    const [captured] = await env.infra.database.sql`
      select count(*)::int as n from payments p join orders o on o.id = p.order_id
      where o.hold_id = ${holdId} and p.status = 'captured'`;
    expect(captured!.n).toBe(0);
    const [intent] = await env.infra.database.sql`
      select count(*) filter (where status = 'canceled')::int as canceled, count(*)::int as n,
             coalesce(sum(amount_captured_cents), 0)::int as captured
      from sandbox_payment_intents where metadata->>'holdId' = ${holdId}`;
    expect(intent).toEqual({ canceled: intent!.n, n: intent!.n, captured: 0 });
  });
});
