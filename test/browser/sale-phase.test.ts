import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancellationModule } from '../../src/cancellations/cancellations.jobs.js';
import { admissionModule } from '../../src/waitingroom/scheduler.jobs.js';
import { CARDS, createSale as createOpenSale, holdDirect, order } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified } from '../support/fixtures.js';
import { bulkAccounts, idemKey } from '../support/sales.js';
import { buySeats } from '../support/tickets-fixtures.js';
import { queueSale, waitUntil } from '../support/waitingroom.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

/**
 * Every screen tells the same phase of the sale (src/sales/phase.ts), driven through a real drop
 * with the real scheduler: the event page, the waiting room and the organizer console at the
 * pre-queue, after the draw (a fan with a pass, a fan who comes late), paused, and cancelled;
 * then My orders of a cancelled event, paid and unpaid.
 */

let env: TestEnv;
let browser: Browser;
const running: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  env = await createTestEnv({
    QUEUE_TICK_MS: '250',
    AUTH_LIMIT_PER_IP: '100000',
    QUEUE_JOIN_LIMIT_PER_IP: '100000',
    CANCELLATION_SWEEP_MS: '500',
    DATA_DIR: await mkdtemp(join(tmpdir(), 'fairdrop-phase-ui-')),
  });
  running.push(await admissionModule().start(env.infra), await cancellationModule().start(env.infra));
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  for (const r of running) await r.close();
  await env?.close();
});

const SLOW = { timeout: 30_000 };
const phaseOf = (page: Page, where: string) => page.getAttribute(`${where} [data-phase]`, 'data-phase');
const waitPhase = (page: Page, where: string, phase: string) =>
  page.waitForSelector(`${where} [data-phase="${phase}"]`, SLOW);

async function openAs(token: string, path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await asUser(page, token);
  await page.goto(`${env.api.baseUrl}${path}`);
  return { page, errors };
}

/** The buttons a person could press on the page, by their words. */
const visibleButtons = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('button')]
      .filter((b) => b.offsetParent !== null)
      .map((b) => b.textContent?.trim() ?? ''),
  );

describe('the sale’s phase on every screen', () => {
  it('a queue drop from the pre-queue to its cancellation: event page, waiting room and console agree', async () => {
    const organizer = await signedIn(env, ['organizer']);
    const [fan, late] = await Promise.all([signedInVerified(env), signedInVerified(env)]);
    const crowd = await bulkAccounts(env.infra.database.db, 3);
    // One batch of 4 a minute: the draw's four are admitted at once, a fan who comes later waits.
    const window = { mode: 'queue', prequeueOpensAt: new Date(Date.now() - 60_000), batchSize: 4, tickSeconds: 60 };
    const sale = await queueSale(env, organizer.userId, {
      startsInMs: 3_600_000,
      onsale: { ...window, mode: 'queue', admitPerMinute: undefined },
    });
    const id = sale.eventId;
    /** The organizer brings the sale's start (the draw) to a few seconds from now. */
    const drawSoon = async () => {
      const res = await env.api.put(
        `/v1/events/${id}/onsale`,
        { ...window, saleStartsAt: new Date(Date.now() + 2_000) },
        { token: organizer.token, headers: { 'idempotency-key': idemKey() } },
      );
      expect(res.status).toBe(200);
    };

    // Pre-queue. The event page invites to the waiting room before the draw, with its time.
    const fanEvent = await openAs(fan.token, `/event.html?id=${id}`);
    await waitPhase(fanEvent.page, '#state', 'prequeue');
    expect(await textOf(fanEvent.page, '#state')).toMatch(/Waiting room open/);
    expect(await textOf(fanEvent.page, '#sale-note')).toMatch(/open until the draw at .+ same chance/);
    expect(await textOf(fanEvent.page, '#join-queue')).toBe('Join the waiting room');
    await screenshots(fanEvent.page, 'phase-event-prequeue');
    expect(await seriousViolations(fanEvent.page)).toEqual([]);

    for (const f of crowd) await env.api.post(`/v1/events/${id}/queue`, undefined, { token: f.token });
    const fanQueue = await openAs(fan.token, `/queue.html?event=${id}`);
    await fanQueue.page.waitForSelector('#join:not([hidden])');
    await fanQueue.page.click('#join-button');
    await fanQueue.page.waitForFunction(() => document.querySelector('#where')?.textContent?.includes('You are in'));
    expect(await phaseOf(fanQueue.page, '#phase')).toBe('prequeue');
    expect(await textOf(fanQueue.page, '#when')).toMatch(/^The draw starts in .+ s\. Event: /);

    // The fan in the room is sent to their place, not invited to join again.
    await fanEvent.page.reload();
    await fanEvent.page.waitForFunction(
      () => document.querySelector('#join-queue')?.textContent === 'Go to your place in the waiting room',
    );
    expect(await textOf(fanEvent.page, '#place-note')).toMatch(
      /You are in the waiting room: the draw gives you a number/,
    );

    const desk = await openAs(organizer.token, `/organizer.html?event=${id}`);
    await waitPhase(desk.page, '#publish-state', 'prequeue');
    expect(await textOf(desk.page, '#publish-state')).toMatch(/the waiting room is open; the draw is/);
    expect(await desk.page.isHidden('#publish-scheduled')).toBe(true);
    expect(await desk.page.isHidden('#publish-onsale')).toBe(true);

    // The draw: the fan's number comes up with the first batch and their page has the pass.
    await drawSoon();
    await fanQueue.page.waitForSelector('#admitted:not([hidden])', SLOW);
    await waitPhase(fanQueue.page, '#phase', 'admitting');
    expect(await textOf(fanQueue.page, '#when')).not.toMatch(/now/);
    await fanQueue.page.click('#choose-seats');
    await fanQueue.page.waitForSelector('#buy:not([hidden])');
    await waitPhase(fanQueue.page, '#state', 'admitting');
    expect(await fanQueue.page.isHidden('#join-queue')).toBe(true);
    expect(await textOf(fanQueue.page, '#pass-note')).toMatch(/It is your turn\. Your pass from the waiting room/);
    expect(await textOf(fanQueue.page, '#sale-note')).not.toMatch(/same chance/);

    // A fan who comes after the draw reads the truth: after the four who were drawn.
    const lateEvent = await openAs(late.token, `/event.html?id=${id}`);
    await waitPhase(lateEvent.page, '#state', 'admitting');
    expect(await textOf(lateEvent.page, '#state')).toMatch(/On sale · waiting room/);
    const note = await textOf(lateEvent.page, '#sale-note');
    expect(note).toMatch(/The draw is done: joining now puts you after the 4 fans in the draw/);
    expect(note).not.toMatch(/same chance/);
    expect(await lateEvent.page.isHidden('#buy')).toBe(true);
    await screenshots(lateEvent.page, 'phase-event-admitting');
    expect(await seriousViolations(lateEvent.page)).toEqual([]);
    await lateEvent.page.click('#join-queue');
    await lateEvent.page.waitForSelector('#join:not([hidden])');
    await lateEvent.page.click('#join-button');
    await lateEvent.page.waitForFunction(() =>
      /after the draw/.test(document.querySelector('#where')?.textContent ?? ''),
    );
    const where = await textOf(lateEvent.page, '#where');
    expect(where).toMatch(/You joined after the draw: your number is 5, after the 4 fans in the draw\. You are next\./);
    expect(where).not.toMatch(/of 4/);
    expect(await textOf(lateEvent.page, '#when')).toMatch(/^The draw is done: numbers are served in order\. Event: /);
    await screenshots(lateEvent.page, 'phase-queue-late');
    expect(await seriousViolations(lateEvent.page)).toEqual([]);

    // The console says the drop is live, in the fans' word.
    await desk.page.reload();
    await waitPhase(desk.page, '#publish-state', 'admitting');
    expect(await textOf(desk.page, '#publish-state')).toMatch(
      /On sale · waiting room Live: the waiting room admits fans in the order of the draw \(the 4 fans in the draw\)/,
    );
    expect(await textOf(desk.page, '#workspace-summary')).toMatch(/On sale · waiting room/);

    // Paused from the live drop: every screen says paused.
    await desk.page.click('#drop-dashboard button:has-text("Pause admission")', SLOW);
    await waitPhase(desk.page, '#publish-state', 'paused');
    await waitPhase(lateEvent.page, '#phase', 'paused');
    expect(await textOf(lateEvent.page, '#where')).toMatch(/Paused by the organizer/);
    const lateEventAgain = await openAs(late.token, `/event.html?id=${id}`);
    await waitPhase(lateEventAgain.page, '#state', 'paused');
    expect(await textOf(lateEventAgain.page, '#sale-note')).toMatch(/paused the sale.*keep their places/);

    // Cancelled from the console: nothing left to publish, open or pause; the refunds are what is left.
    await desk.page.fill('#cancel-reason', 'The headliner is ill');
    await desk.page.click('#cancel-form button[type=submit]');
    await desk.page.click('#cancel-confirm-yes');
    await desk.page.waitForSelector('#refund-counts');
    await waitPhase(desk.page, '#publish-state', 'cancelled');
    await desk.page.waitForFunction(() =>
      document.querySelector('#drop-dashboard')?.textContent?.includes('No live drop: the event is cancelled'),
    );
    const buttons = await visibleButtons(desk.page);
    for (const gone of [
      /Pause admission/,
      /Resume admission/,
      /^Publish/,
      /Open sales/,
      /Back on sale/,
      /Save on-sale/,
      /Save changes/,
    ])
      expect(
        buttons.filter((b) => gone.test(b)),
        String(gone),
      ).toEqual([]);
    expect(await desk.page.isHidden('#onsale-form')).toBe(true);
    // The event's details are shown as they were, but can no longer be changed.
    await desk.page.waitForFunction(() =>
      document.querySelector('#event-mode-note')?.textContent?.includes('was cancelled'),
    );
    expect(await desk.page.isDisabled('#event-form [name="title"]')).toBe(true);
    expect(await textOf(desk.page, '#publish-state')).toMatch(/Cancelled: every ticket is revoked/);
    await screenshots(desk.page, 'phase-console-cancelled');
    expect(await seriousViolations(desk.page)).toEqual([]);

    // The public page says so, and what happens to tickets and money, instead of an empty card.
    await lateEventAgain.page.reload();
    await waitPhase(lateEventAgain.page, '#state', 'cancelled');
    const cancelled = await textOf(lateEventAgain.page, '#sale-note');
    expect(cancelled).toMatch(/This event is cancelled: “The headliner is ill”/);
    expect(cancelled).toMatch(/refunded automatically/);
    expect(await lateEventAgain.page.isHidden('#buy')).toBe(true);
    expect(await lateEventAgain.page.isHidden('#join-queue')).toBe(true);
    expect(await lateEventAgain.page.isHidden('#watch')).toBe(true);
    await screenshots(lateEventAgain.page, 'phase-event-cancelled');
    expect(await seriousViolations(lateEventAgain.page)).toEqual([]);
    await lateEvent.page.reload();
    await waitPhase(lateEvent.page, '#phase', 'cancelled');
    expect(await textOf(lateEvent.page, '#where')).toMatch(/This event is cancelled/);
    expect(await lateEvent.page.isHidden('#join')).toBe(true);

    for (const p of [fanEvent, fanQueue, lateEvent, lateEventAgain, desk]) expect(p.errors).toEqual([]);
  }, 300_000);

  it('My orders of a cancelled event: a paid order is refunded, a declined one was never charged', async () => {
    const sale = await createOpenSale(env, { seats: 10 });
    const paid = await signedIn(env);
    const bought = await buySeats(env, sale, paid, 2);
    const declined = await signedIn(env);
    const holdId = await holdDirect(env, sale, declined.userId, { seatIds: sale.seatIds.slice(5, 6) });
    const refused = await order(env, declined.token, { holdId, payment: { card: CARDS.declined } });
    expect(refused.body.status ?? refused.body.code).toBeTruthy();
    const cancel = await env.api.post(
      `/v1/events/${sale.eventId}/cancel`,
      { reason: 'Flooded hall' },
      { token: sale.organizer.token, headers: { 'idempotency-key': idemKey() } },
    );
    expect(cancel.status).toBe(202);
    await waitUntil(
      async () =>
        (await env.api.get(`/v1/events/${sale.eventId}/cancellation`, { token: sale.organizer.token })).body
          .completedAt !== null,
      30_000,
      'the refunds',
    );

    const unpaid = await openAs(declined.token, '/tickets.html');
    await unpaid.page.waitForSelector('li.order');
    const words = await textOf(unpaid.page, 'li.order');
    expect(words).toMatch(/never paid, so nothing was charged/);
    expect(words).not.toMatch(/refunded automatically/);
    await screenshots(unpaid.page, 'phase-orders-cancelled-unpaid');
    expect(await seriousViolations(unpaid.page)).toEqual([]);

    const refunded = await openAs(paid.token, '/tickets.html');
    await refunded.page.waitForSelector(`[data-order="${bought.orderId}"]`);
    expect(await textOf(refunded.page, `[data-order="${bought.orderId}"]`)).toMatch(
      /The event was cancelled: €\d+\.\d\d was refunded/,
    );
    for (const p of [unpaid, refunded]) expect(p.errors).toEqual([]);
  }, 120_000);
});
