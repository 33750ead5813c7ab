import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkins } from '../../src/checkin/checkin.table.js';
import { outboxDispatcher } from '../../src/notifications/dispatcher.js';
import { orders } from '../../src/orders/orders.table.js';
import { tickets } from '../../src/tickets/tickets.table.js';
import { createSale } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified, uniqueEmail, verifyEmail } from '../support/fixtures.js';
import { mailText } from '../support/mail.js';
import { buySeats, codeOf, doorStaff, emailOf, until } from '../support/tickets-fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

let env: TestEnv;
let browser: Browser;
const running: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  // The outbox dispatcher pushes notifications to the pages' sockets, as the worker does in production.
  env = await createTestEnv({
    AUTH_LIMIT_PER_IP: '100000',
    DATA_DIR: await mkdtemp(join(tmpdir(), 'fairdrop-tickets-')),
    OUTBOX_POLL_MS: '100',
  });
  running.push(await outboxDispatcher.start(env.infra));
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  for (const r of running) await r.close();
  await env?.close();
});

describe('My tickets, a transfer, and the door', () => {
  it('shows the rotating QR, transfers to a second account who accepts from the invitation link, and the door admits the new code once', async () => {
    const sale = await createSale(env, { seats: 10 });
    const fan = await signedIn(env);
    const { ticketIds, orderId } = await buySeats(env, sale, fan, 1);
    const ticketId = ticketIds[0]!;
    const recipient = await signedInVerified(env);
    const recipientEmail = await emailOf(env, recipient.userId);

    // The fan's page: the ticket with its QR, status in words, seat, the order and its receipts.
    const fanPage = await browser.newPage();
    const fanErrors = watchErrors(fanPage);
    await asUser(fanPage, fan.token);
    await fanPage.goto(`${env.api.baseUrl}/tickets.html`);
    await fanPage.waitForSelector(`[data-ticket="${ticketId}"] .ticket-qr img[data-step]`);
    const img = await fanPage.$eval(`[data-ticket="${ticketId}"] .ticket-qr img`, (el) => ({
      src: (el as HTMLImageElement).src,
      alt: (el as HTMLImageElement).alt,
      width: (el as HTMLImageElement).naturalWidth,
    }));
    expect(img.src).toMatch(/^data:image\/svg\+xml/);
    expect(img.alt).toMatch(/Door code for .*Row 1 · Seat 1/);
    expect(img.width).toBeGreaterThan(0); // the SVG decoded (CSP allows data: images)
    expect(await textOf(fanPage, `[data-ticket="${ticketId}"]`)).toMatch(/Valid.*Seat\s*A, row 1, seat 1/);
    // The code shown is the one the API gives now (same step; a read that straddles a rotation
    // on a loaded machine is read again once the page has rotated too).
    await expect
      .poll(
        async () => {
          const shown = await fanPage.textContent(`[data-ticket="${ticketId}"] .code-text`);
          return shown === (await codeOf(env, fan.token, ticketId));
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    expect(await textOf(fanPage, `[data-order="${orderId}"]`)).toMatch(/Paid: your seats are guaranteed/);
    expect(await fanPage.isVisible(`[data-cancel-order="${orderId}"]`)).toBe(true); // refundable under the fixture's policy
    await fanPage.waitForSelector('#timeline li[data-seq]');
    expect(await textOf(fanPage, '#timeline')).toMatch(/Order confirmed: your seats are guaranteed/);
    await fanPage.waitForFunction(() => document.querySelector('#live-state')?.textContent === 'Live updates on.');
    await screenshots(fanPage, 'tickets');
    expect(await seriousViolations(fanPage)).toEqual([]);

    // The code a screenshot would have kept: taken before the transfer.
    const oldCode = await codeOf(env, fan.token, ticketId);

    // Transfer with a message; the offer shows as pending with a cancel button.
    await fanPage.click(`[data-ticket="${ticketId}"] details.transfer summary`);
    await fanPage.fill(`[data-ticket="${ticketId}"] input[name=toEmail]`, recipientEmail);
    await fanPage.fill(`[data-ticket="${ticketId}"] textarea[name=message]`, 'Happy birthday!');
    await fanPage.click(`[data-ticket="${ticketId}"] .transfer-form button[type=submit]`);
    await fanPage.waitForSelector(`[data-ticket="${ticketId}"] .pending-offer`);
    expect(await textOf(fanPage, `[data-ticket="${ticketId}"] .pending-offer`)).toContain(
      `Offered to ${recipientEmail}`,
    );
    expect(await textOf(fanPage, '#transfers')).toContain('waiting for them to accept');
    await screenshots(fanPage, 'tickets-transfer-pending');

    // The invitation mail's link, opened signed out: sign in on the page, then accept.
    const mail = await mailText(env, 'transfer.received', recipientEmail);
    const link = /https?:\/\/[^/\s]+(\/transfer\.html#id=[^\s&]+&token=\S+)/.exec(mail);
    expect(link).not.toBeNull();
    const recipientPage = await browser.newPage();
    const recipientErrors = watchErrors(recipientPage);
    await recipientPage.goto(`${env.api.baseUrl}${link![1]}`);
    await recipientPage.waitForURL(/\/tickets\.html#transfer=/);
    await recipientPage.waitForSelector('#invite-signin');
    await screenshots(recipientPage, 'tickets-invitation-signed-out');
    expect(await seriousViolations(recipientPage)).toEqual([]);
    await recipientPage.fill('#invite-email', recipientEmail);
    await recipientPage.fill('#invite-password', 'correct horse battery');
    await recipientPage.click('#invite-signin button[type=submit]');
    await recipientPage.waitForSelector('#accept-transfer');
    expect(await textOf(recipientPage, '#invitation')).toMatch(
      /A ticket for Show .* is offered to you.*Happy birthday!/,
    );
    await screenshots(recipientPage, 'tickets-invitation');
    expect(await seriousViolations(recipientPage)).toEqual([]);
    await recipientPage.click('#accept-transfer');
    await recipientPage.waitForSelector(`[data-ticket="${ticketId}"] .ticket-qr img[data-step]`);
    expect(await textOf(recipientPage, '#invitation')).toContain('The ticket is yours');
    expect(new URL(recipientPage.url()).hash).toBe(''); // the token leaves the address bar once used

    const [row] = await env.infra.database.db.select().from(tickets).where(eq(tickets.id, ticketId));
    expect(row).toMatchObject({ holderId: recipient.userId, version: 2, status: 'valid' });

    // The giver is told live (polite region), and the ticket shows as transferred.
    await fanPage.waitForFunction(() =>
      /accepted your ticket/.test(document.querySelector('#live-news')?.textContent ?? ''),
    );
    await fanPage.waitForSelector(`[data-ticket="${ticketId}"].ticket-transferred`);
    expect(await fanPage.$(`[data-ticket="${ticketId}"] .ticket-qr`)).toBeNull();
    expect(await textOf(fanPage, '#notifications')).toMatch(/New.*accepted your ticket/);
    await screenshots(fanPage, 'tickets-transferred');

    // The door: staff choose the event and gate; the old code is refused, the new one admitted once.
    const staff = await doorStaff(env, sale);
    const door = await browser.newPage();
    const doorErrors = watchErrors(door);
    await asUser(door, staff.token);
    await door.goto(`${env.api.baseUrl}/scanner.html?event=${sale.eventId}`);
    await door.waitForSelector(`#event option[value="${sale.eventId}"]`, { state: 'attached' });
    await screenshots(door, 'scanner-setup');
    expect(await seriousViolations(door)).toEqual([]);
    await door.fill('#gate', '3');
    await door.click('#setup-form button[type=submit]');
    await door.waitForSelector('#station:not([hidden])');

    await door.fill('#code', oldCode);
    await door.click('#manual button[type=submit]');
    await door.waitForSelector('#result.result-bad');
    expect(await textOf(door, '#result')).toMatch(/Revoked/);

    const newCode = await codeOf(env, recipient.token, ticketId);
    await door.fill('#code', newCode);
    await door.click('#manual button[type=submit]');
    await door.waitForSelector('#result.result-ok');
    expect(await textOf(door, '#result')).toMatch(/Admitted.*A · Row 1 · Seat 1/);
    await screenshots(door, 'scanner-admitted');
    expect(await seriousViolations(door)).toEqual([]);

    await door.fill('#code', newCode);
    await door.click('#manual button[type=submit]');
    await door.waitForSelector('#result[data-result="already_used"]');
    expect(await door.getAttribute('#result', 'class')).toContain('result-bad');
    expect(await textOf(door, '#result')).toMatch(/Already used at \d\d:\d\d [A-Z][\w+:]* by gate 3/);
    await screenshots(door, 'scanner-refused');

    const rows = await env.infra.database.db
      .select()
      .from(checkins)
      .where(eq(checkins.ticketId, ticketId))
      .orderBy(checkins.id);
    expect(rows.map((r) => [r.result, r.ticketVersion, r.gate, r.staffId, r.offline])).toEqual([
      ['revoked', 1, '3', staff.userId, false],
      ['admitted', 2, '3', staff.userId, false],
      ['already_used', 2, '3', staff.userId, false],
    ]);
    const admitted = await env.infra.database.db
      .select()
      .from(checkins)
      .where(and(eq(checkins.ticketId, ticketId), eq(checkins.result, 'admitted')));
    expect(admitted).toHaveLength(1);

    // The new holder's page shows the ticket as used, with the gate.
    await recipientPage.reload();
    await until(async () => /Used/.test(await textOf(recipientPage, `[data-ticket="${ticketId}"]`)));
    expect(await textOf(recipientPage, `[data-ticket="${ticketId}"]`)).toMatch(
      // The door's clock at the venue, its zone named.
      /Checked in at \d\d:\d\d CES?T, gate 3/,
    );

    expect(fanErrors).toEqual([]);
    expect(recipientErrors).toEqual([]);
    expect(doorErrors).toEqual([]);
  });
  it('an unconfirmed recipient is asked to confirm their email first, with the link to send again; confirmed, they accept from the in-app link without a token', async () => {
    const sale = await createSale(env, { seats: 10 });
    const fan = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const recipient = await signedIn(env);
    const offer = await env.api.post(
      `/v1/tickets/${ticketIds[0]}/transfers`,
      { toEmail: await emailOf(env, recipient.userId) },
      { token: fan.token },
    );
    expect(offer.status).toBe(201);
    const transferId = offer.body.id as string;

    // The in-app notice's link (no token), opened signed in with the unconfirmed address.
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await asUser(page, recipient.token);
    await page.goto(`${env.api.baseUrl}/transfer.html#id=${transferId}`);
    await page.waitForURL(/\/tickets\.html#transfer=/);
    await page.waitForSelector('#invitation [data-notice="verify-email"]');
    expect(await textOf(page, '#invitation')).toMatch(/is offered to you.*Confirm your email first/);
    expect(await page.isHidden('#accept-transfer')).toBe(true);
    // The list of transfers says the same, without an accept button.
    await page.waitForSelector(`[data-transfer="${transferId}"] [data-notice="verify-email"]`);
    expect(await page.$(`[data-transfer="${transferId}"] button:text("Accept this ticket")`)).toBeNull();
    await page.click('#invitation [data-action="resend-verification"]');
    await page.waitForFunction(() => /on its way/.test(document.querySelector('#invitation')?.textContent ?? ''));
    const mails = await env.infra.database
      .sql`select count(*)::int as n from notification_outbox where kind = 'auth.verify_email' and user_id = ${recipient.userId}`;
    expect(mails[0]!.n).toBe(2);
    await screenshots(page, 'tickets-invitation-verify-first');
    expect(await seriousViolations(page)).toEqual([]);
    const [untouched] = await env.infra.database
      .sql`select holder_id, version from tickets where id = ${ticketIds[0]!}`;
    expect(untouched).toMatchObject({ holder_id: fan.userId, version: 1 });

    // The link from the verification mail is opened; back on the page, the ticket can be taken.
    await verifyEmail(env, recipient.userId);
    await page.goto(`${env.api.baseUrl}/transfer.html#id=${transferId}`);
    await page.waitForSelector('#accept-transfer:not([hidden])');
    expect(await page.$('#invitation [data-notice="verify-email"]')).toBeNull();
    await page.click('#accept-transfer');
    await page.waitForSelector(`[data-ticket="${ticketIds[0]}"] .ticket-qr img[data-step]`);
    const [row] = await env.infra.database.sql`select holder_id, version from tickets where id = ${ticketIds[0]!}`;
    expect(row).toMatchObject({ holder_id: recipient.userId, version: 2 });
    expect(errors).toEqual([]);
  });

  it('cancels an order for a refund behind a confirm step, where the policy allows', async () => {
    const sale = await createSale(env, { seats: 10 });
    const fan = await signedIn(env);
    const { orderId, ticketIds } = await buySeats(env, sale, fan, 2);
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await asUser(page, fan.token);
    await page.goto(`${env.api.baseUrl}/tickets.html`);
    await page.click(`[data-cancel-order="${orderId}"]`);
    await page.waitForSelector(`[data-confirm-cancel="${orderId}"]`);
    expect(await textOf(page, `[data-order="${orderId}"] .confirm`)).toMatch(
      /Cancel all 2 valid tickets of this order\?/,
    );
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-confirm-cancel'))).toBe(orderId);
    await screenshots(page, 'tickets-order-cancel-confirm');
    await page.click(`[data-confirm-cancel="${orderId}"]`);
    await page.waitForSelector(`[data-ticket="${ticketIds[0]}"].ticket-refunded`);
    expect(await textOf(page, `[data-order="${orderId}"]`)).toMatch(/Cancelled.*€90\.00 refunded/);
    expect(await textOf(page, `[data-ticket="${ticketIds[1]}"]`)).toMatch(/Refunded/);
    const [o] = await env.infra.database.db.select().from(orders).where(eq(orders.id, orderId));
    expect(o).toMatchObject({ status: 'cancelled', refundedCents: 9000 });
    expect(errors).toEqual([]);

    // An event whose policy has no refunds says so and offers no button.
    const strict = await createSale(env, { seats: 2, refundable: false });
    const other = await buySeats(env, strict, fan, 1);
    await page.reload();
    await page.waitForSelector(`[data-order="${other.orderId}"]`);
    expect(await textOf(page, `[data-order="${other.orderId}"]`)).toMatch(
      /Not refundable under the organizer’s policy/,
    );
    expect(await page.$(`[data-cancel-order="${other.orderId}"]`)).toBeNull();
  });

  it('lets a recipient without an account create it from the invitation and get the ticket; the QR then rotates on its step', async () => {
    const sale = await createSale(env, { seats: 10 });
    const fan = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const newcomer = uniqueEmail('newcomer');
    const offer = await env.api.post(
      `/v1/tickets/${ticketIds[0]}/transfers`,
      { toEmail: newcomer },
      { token: fan.token },
    );
    expect(offer.status).toBe(201);
    const mail = await mailText(env, 'transfer.received', newcomer);
    const link = /https?:\/\/[^/\s]+(\/transfer\.html#id=[^\s&]+&token=\S+)/.exec(mail)!;

    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${env.api.baseUrl}${link[1]}`);
    await page.waitForSelector('#invite-claim');
    await page.fill('#claim-name', 'Nora Newcomer');
    await page.fill('#claim-password', 'short');
    await page.click('#invite-claim button[type=submit]');
    // The browser holds a too-short password back (minlength), before any request.
    expect(await page.$eval('#claim-password', (el) => (el as HTMLInputElement).validity.tooShort)).toBe(true);
    await page.fill('#claim-password', 'a long enough passphrase');
    await page.click('#invite-claim button[type=submit]');
    await page.waitForSelector(`[data-ticket="${ticketIds[0]}"] .ticket-qr img[data-step]`);
    expect(new URL(page.url()).hash).toBe('');
    const [row] = await env.infra.database
      .sql`select t.version, u.email, u.display_name from tickets t join users u on u.id = t.holder_id where t.id = ${ticketIds[0]!}`;
    expect(row).toMatchObject({ version: 2, email: newcomer, display_name: 'Nora Newcomer' });

    // The code changes on its 30-second step without a reload.
    const step = Number(await page.getAttribute(`[data-ticket="${ticketIds[0]}"] .ticket-qr img`, 'data-step'));
    const before = await page.textContent(`[data-ticket="${ticketIds[0]}"] .code-text`);
    await page.waitForFunction(
      ([id, s]) =>
        Number(document.querySelector(`[data-ticket="${id}"] .ticket-qr img`)?.getAttribute('data-step')) === s,
      [ticketIds[0]!, step + 1] as const,
      { timeout: 35_000 },
    );
    expect(await page.textContent(`[data-ticket="${ticketIds[0]}"] .code-text`)).not.toBe(before);
    expect(errors).toEqual([]);
  }, 90_000);

  it('has a readable stop-over page for the invitation link when scripts do not run', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${env.api.baseUrl}/transfer.html#id=x&token=y`);
    expect(await textOf(page, 'main')).toMatch(/Opening your invitation.*My tickets/);
    await screenshots(page, 'transfer');
    await context.close();
  });
});
