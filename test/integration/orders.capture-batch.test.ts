import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordCaptures } from '../../src/orders/orders.repository.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { CARDS, createSale, holdDirect, order, type SaleFixture } from '../support/commerce.js';

let env: TestEnv;
let sale: SaleFixture;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
  sale = await createSale(env, { seats: 6 });
});
afterAll(() => env?.close());

/** An order paid by card, put back to "committed, not yet captured" as if its capture were still to be recorded. */
async function confirmedOrder(seat: number): Promise<string> {
  const fan = await signedIn(env);
  const holdId = await holdDirect(env, sale, fan.userId, { seatIds: [sale.seatIds[seat]!] });
  const placed = await order(env, fan.token, { holdId, payment: { card: CARDS.ok } });
  expect(placed.status).toBe(201);
  const sql = env.infra.database.sql;
  await sql`update orders set status = 'confirmed', captured_at = null where id = ${placed.body.id}`;
  await sql`update payments set status = 'authorized' where order_id = ${placed.body.id} and method = 'card'`;
  return placed.body.id as string;
}

describe('captures recorded together', () => {
  it('one statement records each capture of a batch with its receipt, and leaves an order already captured alone', async () => {
    const [a, b, c] = [await confirmedOrder(0), await confirmedOrder(1), await confirmedOrder(2)];
    const sql = env.infra.database.sql;
    await sql`update orders set status = 'captured', captured_at = now() where id = ${c}`;
    const answers = await recordCaptures(env.infra.database.db, [
      { orderId: a, provider: 'sandbox', amountCents: 1 },
      { orderId: b, provider: 'sandbox', amountCents: 2 },
      { orderId: c, provider: 'sandbox', amountCents: 3 },
    ]);
    expect(answers.map((x) => [x.order.id, x.moved, x.order.status])).toEqual([
      [a, true, 'captured'],
      [b, true, 'captured'],
      [c, false, 'captured'],
    ]);
    expect(answers.map((x) => x.receipts.length)).toEqual([1, 1, 0]);
    const payments =
      await sql`select order_id, status from payments where order_id in ${sql([a, b])} and method = 'card'`;
    expect(payments.map((p) => p.status)).toEqual(['captured', 'captured']);
    const receipts = await sql`select data->>'orderId' as o, (data->>'amountCents')::int as cents from timeline_entries
      where kind = 'payment.captured' and data->>'orderId' in ${sql([a, b])} and (data->>'amountCents')::int < 10 order by cents`;
    expect(receipts.map((r) => [r.o, r.cents])).toEqual([
      [a, 1],
      [b, 2],
    ]);
    // A batch that cannot be written as a whole writes nothing.
    await expect(
      recordCaptures(env.infra.database.db, [
        { orderId: c, provider: 'sandbox', amountCents: 3 },
        { orderId: 'not-a-uuid', provider: 'sandbox', amountCents: 3 },
      ]),
    ).rejects.toThrow();
  });
});
