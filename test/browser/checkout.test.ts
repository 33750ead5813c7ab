import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '../../src/catalog/catalog.table.js';
import { holds } from '../../src/sales/holds.table.js';
import { tickets } from '../../src/tickets/tickets.table.js';
import { createSale, holdDirect, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { uniqueEmail } from '../support/fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

/**
 * The checkout says what the fan is buying and for how much (event, time in the event's zone,
 * venue, seats, price lines, fees, total, the amount on Pay), fills a ticket's holder from the
 * account on request, survives declined cards without piling failed orders into My orders, and
 * confirms in words rather than receipt codes.
 */
let env: TestEnv;
let browser: Browser;
let sale: SaleFixture;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
  sale = await createSale(env, { seats: 20, priceCents: 4000, feeCents: 500 });
  await env.infra.database.sql`update seats set accessible = true where id = ${sale.seatIds[1]!}`;
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

async function fan(name: string) {
  const email = uniqueEmail('checkout');
  const account = await env.api.register(email, 'correct horse battery', name);
  return { ...account, email, name };
}

async function openCheckout(page: Page, token: string, holdId: string): Promise<void> {
  await asUser(page, token);
  await page.goto(`${env.api.baseUrl}/checkout.html?hold=${holdId}`);
  await page.waitForSelector('#event-title');
}

async function payWith(page: Page, card: string): Promise<void> {
  await page.fill('#card', card);
  await page.fill('#exp', '12/34');
  await page.fill('#cvc', '123');
  await page.click('#pay-button');
}

/** A receipt or problem code as a page must never show it: "order.placed", "hold.converted". */
const RAW_CODE = /\b[a-z]+\.[a-z]+(_[a-z]+)*\b/;

describe('the checkout page', () => {
  it('names the event, its time in its zone, the venue, the seats, each price line and the total; Pay carries the amount', async () => {
    const buyer = await fan('Ada Lovelace');
    const holdId = await holdDirect(env, sale, buyer.userId, { seatIds: sale.seatIds.slice(0, 2) });
    const page = await browser.newPage({ timezoneId: 'Asia/Tokyo' });
    const errors = watchErrors(page);
    await openCheckout(page, buyer.token, holdId);

    const [event] = await env.infra.database.db.select().from(events).where(eq(events.id, sale.eventId));
    expect(await textOf(page, '#event-title')).toBe(event!.title);
    // Paris time, labelled, whatever zone the fan's device is in (this browser is in Tokyo).
    const parisClock = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Paris',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(event!.startsAt);
    const when = await textOf(page, '#event-when');
    expect(when).toContain(parisClock);
    expect(when).toMatch(/CES?T/);
    expect(await textOf(page, '#event-where')).toBe('Hall, Paris');
    expect(await textOf(page, '#ticket-count')).toBe('2 tickets: Stalls');
    expect(await textOf(page, '#held-seats')).toBe('Section A, row 1, seats 1, 2 (accessible)');
    const lines = await page.$$eval('.price-lines tr', (rows) =>
      rows.map((r) => [...r.children].map((c) => (c.textContent ?? '').trim())),
    );
    expect(lines).toEqual([
      ['Item', 'Qty', 'Each', 'Amount'],
      ['Stalls ticket', '2', '€40.00', '€80.00'],
      ['Booking fee', '2', '€5.00', '€10.00'],
      ['Total, fees included', '€90.00'],
    ]);
    expect(await textOf(page, '#pay-button')).toBe('Pay €90.00');
    expect(await page.title()).toContain(event!.title);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'checkout-summary');
    // Nothing wider than a phone.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(errors).toEqual([]);
  });

  it('"use my details" fills a ticket with the account’s name and email; the tickets are issued to those holders', async () => {
    const buyer = await fan('Grace Hopper');
    const holdId = await holdDirect(env, sale, buyer.userId, { seatIds: sale.seatIds.slice(2, 5) });
    const page = await browser.newPage();
    const errors = watchErrors(page, /status of 402/);
    await openCheckout(page, buyer.token, holdId);

    // The first ticket is the buyer's by default; the others wait for a name.
    expect(await page.isChecked('#att-me-0')).toBe(true);
    expect(await page.inputValue('#att-name-0')).toBe('Grace Hopper');
    expect(await page.inputValue('#att-email-0')).toBe(buyer.email);
    expect(await page.isChecked('#att-me-1')).toBe(false);
    expect(await page.inputValue('#att-name-1')).toBe('');
    expect(await textOf(page, 'fieldset[data-ticket="1"] legend')).toBe('Ticket 2 · Section A, row 1, seat 4');

    // Every ticket in my name, then the third back to someone else.
    await page.check('#att-me-all');
    for (const i of [0, 1, 2]) expect(await page.inputValue(`#att-name-${i}`)).toBe('Grace Hopper');
    await page.uncheck('#att-me-2');
    expect(await page.inputValue('#att-name-2')).toBe('');
    expect(await page.evaluate(() => document.querySelector<HTMLInputElement>('#att-me-all')!.indeterminate)).toBe(
      true,
    );
    await page.fill('#att-name-2', 'Alan Turing');
    await page.fill('#att-email-2', 'alan@example.test');
    // Typing another name into a ticket that said "mine" unticks it: the box never lies.
    await page.fill('#att-name-1', 'Katherine Johnson');
    expect(await page.isChecked('#att-me-1')).toBe(false);
    await page.fill('#att-email-1', 'katherine@example.test');
    expect(await seriousViolations(page)).toEqual([]);

    await payWith(page, '4242 4242 4242 4242');
    await page.waitForSelector('#confirmation:not([hidden]) h2');
    const orderId = (await page.textContent('#confirmation code'))!;
    const issued = await env.infra.database.db.select().from(tickets).where(eq(tickets.orderId, orderId));
    expect(issued.map((t) => [t.seatId, t.attendeeName, t.attendeeEmail])).toEqual(
      expect.arrayContaining([
        [sale.seatIds[2], 'Grace Hopper', buyer.email],
        [sale.seatIds[3], 'Katherine Johnson', 'katherine@example.test'],
        [sale.seatIds[4], 'Alan Turing', 'alan@example.test'],
      ]),
    );
    expect(errors).toEqual([]);
  });

  it('two declined cards, then a good one: one purchase in My orders; the confirmation speaks words, not codes', async () => {
    const buyer = await fan('Mary Somerville');
    const holdId = await holdDirect(env, sale, buyer.userId, { seatIds: sale.seatIds.slice(5, 7) });
    const page = await browser.newPage();
    const errors = watchErrors(page, /status of 402/);
    await openCheckout(page, buyer.token, holdId);
    await page.fill('#att-name-1', 'Caroline Herschel');
    await page.fill('#att-email-1', 'caroline@example.test');

    await payWith(page, '4000 0000 0000 0002');
    await page.waitForSelector('#pay-status.bad');
    expect(await textOf(page, '#pay-status')).toMatch(/declined.*Nothing was charged.*still held/i);
    await payWith(page, '4000 0000 0000 9995');
    await page.waitForFunction(() => /funds/i.test(document.querySelector('#pay-status')?.textContent ?? ''));
    expect(await page.isEnabled('#pay-button')).toBe(true);
    await payWith(page, '4242 4242 4242 4242');
    await page.waitForSelector('#confirmation:not([hidden]) h2');

    const confirmation = await textOf(page, '#confirmation');
    expect(confirmation).toContain('Your tickets are guaranteed');
    expect(confirmation).toContain('€90.00 paid: €90.00 by card ending 4242 (a sandbox payment: no money moved).');
    expect(confirmation).toContain('Section A, row 1, seats 6, 7');
    const steps = await page.$$eval('#confirmation .receipts li', (items) => items.map((li) => li.textContent ?? ''));
    expect(steps.length).toBeGreaterThanOrEqual(4);
    expect(steps.join('\n')).toContain('Order placed: €90.00');
    expect(steps.join('\n')).toContain('2 tickets issued');
    expect(steps.join('\n')).toContain('Order confirmed: your seats are guaranteed');
    // No receipt code in the words (the short hashes are hex, never "kind.name").
    for (const step of steps) expect(step.split(' · receipt ')[0]).not.toMatch(RAW_CODE);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'checkout-confirmation');

    const listed = (await env.api.get('/v1/me/orders', { token: buyer.token })).body.orders;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: (await page.textContent('#confirmation code'))!, status: 'captured' });
    await page.goto(`${env.api.baseUrl}/tickets.html`);
    await page.waitForSelector('[data-order]');
    expect(await page.$$eval('[data-order]', (els) => els.length)).toBe(1);
    expect(await textOf(page, '[data-order]')).not.toMatch(/Payment failed/i);
    expect(errors).toEqual([]);
  });

  it('a hold that has ended says so, with the way on, and offers no Pay', async () => {
    const buyer = await fan('Emmy Noether');
    const holdId = await holdDirect(env, sale, buyer.userId, { quantity: 1 });
    await env.infra.database.db
      .update(holds)
      .set({ status: 'expired', endedAt: new Date() })
      .where(eq(holds.id, holdId));
    const page = await browser.newPage();
    await openCheckout(page, buyer.token, holdId);
    await page.waitForSelector('#hold-ended:not([hidden])');
    expect(await textOf(page, '#hold-ended')).toMatch(/hold has expired.*Back to the event/);
    expect(await page.getAttribute('#hold-ended a', 'href')).toBe(`/event.html?id=${sale.eventId}`);
    expect(await page.isHidden('#checkout')).toBe(true);
    expect(await page.isHidden('.hold-timer')).toBe(true);
    // What was held is still named.
    expect(await textOf(page, '#ticket-count')).toBe('1 ticket: Floor');
    expect(await seriousViolations(page)).toEqual([]);
  });
});
