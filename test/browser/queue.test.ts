import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders } from '../../src/orders/orders.table.js';
import { admissionModule } from '../../src/waitingroom/scheduler.jobs.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified, uniqueEmail, verifyEmail } from '../support/fixtures.js';
import { mailText } from '../support/mail.js';
import { holdDirect, type SaleFixture } from '../support/commerce.js';
import { codeOf, doorStaff, emailOf } from '../support/tickets-fixtures.js';
import { asUser } from './session.js';
import { queueSale } from '../support/waitingroom.js';
import { launch, screenshots, seriousViolations } from './browser.js';

/**
 * The fan's waiting-room journey in a real browser: join before the start, the draw gives a
 * number, the page is told "your turn" with a pass, seats held with it, paid, guaranteed.
 */
let env: TestEnv;
let browser: Browser;
let scheduler: { close(): Promise<void> } | undefined;
beforeAll(async () => {
  env = await createTestEnv({ QUEUE_TICK_MS: '250', AUTH_LIMIT_PER_IP: '10000', QUEUE_JOIN_LIMIT_PER_IP: '10000' });
  scheduler = await admissionModule().start(env.infra);
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await scheduler?.close();
  await env?.close();
});

async function signUp(page: Page, name: string): Promise<void> {
  await page.goto(`${env.api.baseUrl}/account.html`);
  await page.fill('#register-name', name);
  await page.fill('#register-email', uniqueEmail('queue'));
  await page.fill('#register-password', 'a long enough passphrase');
  await page.click('#register button[type=submit]');
  await page.waitForSelector('#signed-in:not([hidden])');
}

/** The signed-in page's account opens the link of its verification mail (read where the mail was written). */
async function confirmEmail(page: Page): Promise<void> {
  const token = (await page.evaluate(() => localStorage.getItem('fairdrop.session')))!;
  const me = await env.api.get('/v1/me', { token });
  await verifyEmail(env, me.body.id as string);
}

describe('the waiting room page', () => {
  it('the whole fan journey: sign up, join, the draw, admitted, hold, pay with 4242, guaranteed, QR, transfer accepted, the door admits once', async () => {
    const organizer = await signedIn(env, ['organizer']);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signUp(page, 'Queue Fan');

    // Not confirmed yet, and the room asks for a confirmed address (the default): the event page
    // and the waiting room say so, in words, with the link to send again, before any join.
    const early = await queueSale(env, organizer.userId);
    await page.goto(`${env.api.baseUrl}/event.html?id=${early.eventId}`);
    await page.waitForSelector('#verify-first:not([hidden])');
    expect(await page.textContent('#verify-first')).toMatch(/Confirm your email first/);
    await page.goto(`${env.api.baseUrl}/queue.html?event=${early.eventId}`);
    await page.waitForSelector('#verify-first:not([hidden])');
    expect(await page.textContent('#verify-first')).toMatch(/Confirm your email first.*To join this waiting room/);
    expect(await page.isDisabled('#join-button')).toBe(true);
    await page.click('#verify-first [data-action="resend-verification"]');
    await page.waitForFunction(() => /on its way/.test(document.querySelector('#verify-first')?.textContent ?? ''));
    await screenshots(page, 'queue-verify-first');
    expect(await seriousViolations(page)).toEqual([]);
    await confirmEmail(page);

    const sale = await queueSale(env, organizer.userId, { startsInMs: 6_000, admitPerMinute: 600, gaCapacity: 20 });
    // Every load of the event resource: which page asked, in which form, and what came back.
    const eventLoads: Promise<{ page: string; query: string; seatMap: boolean }>[] = [];
    page.on('response', (res) => {
      const url = new URL(res.url());
      if (url.pathname !== `/v1/events/${sale.eventId}` || res.status() !== 200) return;
      const from = new URL(page.url()).pathname;
      eventLoads.push(
        res.json().then((body: object) => ({ page: from, query: url.search, seatMap: 'seatMap' in body })),
      );
    });
    await page.goto(`${env.api.baseUrl}/queue.html?event=${sale.eventId}`);
    await page.waitForSelector('#join:not([hidden])');
    expect(await page.isHidden('#verify-first')).toBe(true);
    // The waiting room shows the event without its seat map (~1 MB at 7,000 seats, per fan).
    expect(await Promise.all(eventLoads)).toEqual([{ page: '/queue.html', query: '', seatMap: false }]);
    expect(await page.textContent('#step-prequeue')).toContain('Waiting room');
    expect(await page.getAttribute('#step-prequeue', 'aria-current')).toBe('step');
    expect(await page.textContent('#commitment')).toMatch(/^[0-9a-f]{64}$/);
    await screenshots(page, 'queue-before');
    expect(await seriousViolations(page)).toEqual([]);
    await page.click('#join-button');
    await page.waitForFunction(() => document.querySelector('#where')?.textContent?.includes('You are in'));

    // A reload keeps the place: the server is the memory, not the tab. (On a loaded machine the
    // sale may have started meanwhile, and the place be the turn already.)
    await page.reload();
    await page.waitForFunction(() =>
      /You are in|It's your turn/.test(document.querySelector('#where')?.textContent ?? ''),
    );

    // The draw at sale start, then admission: the page is told without polling.
    await page.waitForSelector('#admitted:not([hidden])', { timeout: 30_000 });
    expect(await page.textContent('#where')).toContain("It's your turn");
    expect(await page.getAttribute('#step-admitted', 'aria-current')).toBe('step');
    // Revealed after the draw, without a reload (the page asks again if a node's copy predates the draw).
    await page.waitForFunction(() => /^[0-9a-f]{64}$/.test(document.querySelector('#seed')?.textContent ?? ''), null, {
      timeout: 10_000,
    });
    expect(await page.textContent('#token-countdown')).toContain('Your pass expires');
    await screenshots(page, 'queue-admitted');
    expect(await seriousViolations(page)).toEqual([]);

    await page.click('#choose-seats');
    await page.waitForSelector('#buy:not([hidden])');
    expect(await page.textContent('#pass-note')).toContain('Your pass from the waiting room');
    // The page that sells, with a pass in hand, loads the seats to pick from.
    const loads = await Promise.all(eventLoads);
    expect(loads.filter((l) => l.page === '/queue.html').every((l) => l.query === '' && !l.seatMap)).toBe(true);
    expect(loads.filter((l) => l.page === '/event.html')[0]).toEqual({
      page: '/event.html',
      query: '?include=seats',
      seatMap: true,
    });
    await page.selectOption('#tier', sale.gaTierId);
    await page.fill('#quantity', '2');
    await page.click('#buy button[type=submit]');
    await page.waitForURL(/checkout/);
    await page.fill('#att-name-0', 'Ada');
    await page.fill('#att-email-0', 'ada@example.test');
    await page.fill('#att-name-1', 'Grace');
    await page.fill('#att-email-1', 'grace@example.test');
    await page.fill('#card', '4242 4242 4242 4242');
    await page.fill('#exp', '12/34');
    await page.fill('#cvc', '123');
    await page.click('#pay-button');
    await page.waitForSelector('#confirmation:not([hidden]) h2');
    expect(await page.textContent('#confirmation h2')).toBe('Your tickets are guaranteed');
    const orderId = (await page.textContent('#confirmation code'))!;
    const [order] = await env.infra.database.db.select().from(orders).where(eq(orders.id, orderId));
    expect(order).toMatchObject({ status: 'captured', eventId: sale.eventId });

    // The rest of the journey: the ticket's QR, a transfer the recipient accepts, the door.
    await page.click('#confirmation a[href="/tickets.html"]');
    await page.waitForSelector('.ticket-qr img[data-step]');
    const ticketId = (await page.getAttribute('[data-ticket]', 'data-ticket'))!;
    const fanToken = (await page.evaluate(() => localStorage.getItem('fairdrop.session')))!;
    const oldCode = await codeOf(env, fanToken, ticketId);
    const recipient = await signedInVerified(env);
    const recipientEmail = await emailOf(env, recipient.userId);
    await page.click(`[data-ticket="${ticketId}"] details.transfer summary`);
    await page.fill(`[data-ticket="${ticketId}"] input[name=toEmail]`, recipientEmail);
    await page.click(`[data-ticket="${ticketId}"] .transfer-form button[type=submit]`);
    await page.waitForSelector(`[data-ticket="${ticketId}"] .pending-offer`);
    const mail = await mailText(env, 'transfer.received', recipientEmail);
    const link = /https?:\/\/[^/\s]+(\/transfer\.html#id=[^\s&]+&token=\S+)/.exec(mail)![1]!;
    const recipientPage = await browser.newPage();
    await asUser(recipientPage, recipient.token);
    await recipientPage.goto(`${env.api.baseUrl}${link}`);
    await recipientPage.waitForSelector('#accept-transfer');
    await recipientPage.click('#accept-transfer');
    await recipientPage.waitForSelector(`[data-ticket="${ticketId}"] .ticket-qr img[data-step]`);

    const staff = await doorStaff(env, { eventId: sale.eventId, organizer } as SaleFixture);
    const door = await browser.newPage();
    await asUser(door, staff.token);
    await door.goto(`${env.api.baseUrl}/scanner.html?event=${sale.eventId}`);
    await door.waitForSelector(`#event option[value="${sale.eventId}"]`, { state: 'attached' });
    await door.fill('#gate', '3');
    await door.click('#setup-form button[type=submit]');
    await door.waitForSelector('#station:not([hidden])');
    const scan = async (code: string, outcome: 'ok' | 'bad') => {
      await door.fill('#code', code);
      await door.click('#manual button[type=submit]');
      await door.waitForSelector(`#result.result-${outcome}`);
      const text = (await door.textContent('#result'))!;
      await door.evaluate(() => document.querySelector('#result')?.setAttribute('class', ''));
      return text;
    };
    expect(await scan(oldCode, 'bad')).toMatch(/Revoked/i);
    const newCode = await codeOf(env, recipient.token, ticketId);
    expect(await scan(newCode, 'ok')).toMatch(/Admitted/i);
    expect(await scan(newCode, 'bad')).toMatch(/Already used.*gate 3/i);
    const [row] = await env.infra.database
      .sql`select count(*)::int as admitted from checkins where ticket_id = ${ticketId} and result = 'admitted'`;
    expect(row!.admitted).toBe(1);
    expect(errors).toEqual([]);
  });

  it('tells a waiting fan when everything is taken, instead of leaving them waiting', async () => {
    const organizer = await signedIn(env, ['organizer']);
    const page = await browser.newPage();
    await signUp(page, 'Hopeful Fan');
    await confirmEmail(page);
    const sale = await queueSale(env, organizer.userId, {
      startsInMs: 5_000,
      admitPerMinute: 600,
      gaCapacity: 1,
      layout: 'section A rows 1-1 seats 1-2',
    });
    await page.goto(`${env.api.baseUrl}/queue.html?event=${sale.eventId}`);
    await page.waitForSelector('#join:not([hidden])');
    await page.click('#join-button');
    await page.waitForFunction(() => document.querySelector('#where')?.textContent?.includes('You are in'));
    // Every place is taken (held by others, the way the sales core holds) before this fan's turn.
    const other = await signedIn(env);
    const fixture = {
      eventId: sale.eventId,
      seatedTierId: sale.reservedTierId,
      gaTierId: sale.gaTierId,
      priceCents: 5000,
      feeCents: 450,
      currency: 'EUR',
    } as SaleFixture;
    await holdDirect(env, fixture, other.userId, { seatIds: sale.seatIds });
    await holdDirect(env, fixture, other.userId, { quantity: 1 });
    await page.waitForFunction(() => document.querySelector('#where')?.textContent?.includes('Sold out'), undefined, {
      timeout: 30_000,
    });
    expect(await page.isHidden('#admitted')).toBe(true);
    await screenshots(page, 'queue-soldout');
    expect(await seriousViolations(page)).toEqual([]);
  });
});
