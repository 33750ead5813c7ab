import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxDispatcher } from '../../src/notifications/dispatcher.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { CARDS, createSale, holdDirect, order, type SaleFixture } from '../support/commerce.js';

let env: TestEnv;
let sale: SaleFixture;
beforeAll(async () => {
  // The dispatcher polls once a minute: only a wake-up after the commit can deliver within the test.
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000', OUTBOX_POLL_MS: '60000' });
  sale = await createSale(env, { seats: 4 });
});
afterAll(() => env?.close());

describe("an order's notice", () => {
  it('is delivered at once after the commit, which itself sends no NOTIFY', async () => {
    const stop = await outboxDispatcher.start(env.infra);
    try {
      // The dispatcher has drained what was there; the next delivery needs a wake-up.
      await new Promise((r) => setTimeout(r, 300));
      const fan = await signedIn(env);
      const holdId = await holdDirect(env, sale, fan.userId, { seatIds: sale.seatIds.slice(0, 1) });
      const placed = await order(env, fan.token, { holdId, payment: { card: CARDS.ok } });
      expect(placed.status).toBe(201);
      const sql = env.infra.database.sql;
      const deadline = Date.now() + 3000;
      let rows: { status: string }[] = [];
      while (Date.now() < deadline) {
        rows =
          await sql`select status from notification_outbox where user_id = ${fan.userId} and kind = 'order.confirmed'`;
        if (rows.length > 0 && rows.every((r) => r.status === 'sent')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.map((r) => r.status)).toEqual(rows.map(() => 'sent'));
      const [fn] = await sql`select prosrc from pg_proc where proname = 'fd_notify'`;
      expect(fn!.prosrc).not.toMatch(/pg_notify/);
    } finally {
      await stop.close();
    }
  });
});
