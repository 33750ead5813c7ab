import { api, ApiError } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { currentUser, money, renderHeader } from '../lib/layout.js';

interface Hold {
  id: string;
  eventId: string;
  status: string;
  quantity: number;
  seats: { section: string; row: string; number: number }[];
  totalCents: number;
  currency: string;
  expiresAt: string;
}
interface Order {
  id: string;
  status: string;
  guaranteed: boolean;
  totalCents: number;
  giftCardCents: number;
  cardCents: number;
  currency: string;
  sandbox: boolean;
  failureCode: string | null;
  tickets: { id: string; attendeeName: string | null }[];
}
interface Receipt {
  seq: number;
  kind: string;
  occurredAt: string;
  hash: string;
  signature: string;
}

const holdId = new URLSearchParams(location.search).get('hold') ?? '';
const status = $('#pay-status');
// One key per checkout attempt, kept across reloads: paying twice by reloading is impossible.
const keyName = `fairdrop.checkout.${holdId}`;
const idempotencyKey = sessionStorage.getItem(keyName) ?? crypto.randomUUID();
sessionStorage.setItem(keyName, idempotencyKey);

function countdown(until: Date): void {
  const el = $('#countdown');
  const tick = () => {
    const left = Math.max(0, until.getTime() - Date.now());
    const m = Math.floor(left / 60_000);
    const s = Math.floor((left % 60_000) / 1000);
    el.textContent = left > 0 ? `${m}:${String(s).padStart(2, '0')}` : 'expired';
    if ($('.hold-timer').hidden) return;
    if (left <= 0) {
      setStatus(status, 'bad', 'Your hold has expired and the seats went back on sale.');
      $<HTMLButtonElement>('#pay-button').disabled = true;
      return;
    }
    setTimeout(tick, 1000 - (Date.now() % 1000));
  };
  tick();
}

function showHold(hold: Hold): void {
  $('#summary').replaceChildren(
    h('p', {}, `${hold.quantity} ticket${hold.quantity === 1 ? '' : 's'} · ${money(hold.totalCents, hold.currency)} all-in`),
    hold.seats.length ? h('ul', {}, ...hold.seats.map((s) => h('li', {}, `${s.section}, row ${s.row}, seat ${s.number}`))) : h('p', {}, 'General admission'),
  );
  const attendees = $('#attendees');
  attendees.replaceChildren();
  if (hold.quantity > 1) {
    for (let i = 0; i < hold.quantity; i++) {
      attendees.append(
        h('div', { class: 'row' },
          h('div', { class: 'field' }, h('label', { for: `att-name-${i}` }, `Ticket ${i + 1}: name`), h('input', { id: `att-name-${i}`, required: true, autocomplete: 'off' })),
          h('div', { class: 'field' }, h('label', { for: `att-email-${i}` }, 'email'), h('input', { id: `att-email-${i}`, type: 'email', required: true, autocomplete: 'off' }))),
      );
    }
  }
}

async function showConfirmation(order: Order): Promise<void> {
  $('#checkout').hidden = true;
  $('.hold-timer').hidden = true; // the seats are the fan's now: no countdown
  const done = $('#confirmation');
  done.hidden = false;
  const { receipts } = await api<{ receipts: Receipt[] }>('GET', `/v1/orders/${order.id}/timeline`);
  done.replaceChildren(
    h('h2', {}, order.guaranteed ? 'Your tickets are guaranteed' : 'Payment received; confirming your seats…'),
    h('p', {}, 'Purchase id: ', h('code', {}, order.id)),
    h('p', {}, `${money(order.totalCents, order.currency)} paid${order.giftCardCents ? ` (${money(order.giftCardCents, order.currency)} by gift card)` : ''}${order.sandbox ? ' — sandbox payment, no money moved' : ''}.`),
    h('h3', {}, 'Signed receipts'),
    h('ol', { class: 'receipts' }, ...receipts.map((r) => h('li', {}, `${r.kind} — ${new Date(r.occurredAt).toLocaleString()} — `, h('code', { title: r.signature }, r.hash.slice(0, 16))))),
    h('p', {}, h('a', { href: '/tickets.html', class: 'button' }, 'See my tickets')),
  );
}

$<HTMLFormElement>('#checkout').addEventListener('submit', async (e) => {
  e.preventDefault();
  const [expMonth, expYear] = $<HTMLInputElement>('#exp').value.split('/').map((v) => Number(v.trim()));
  const giftCode = $<HTMLInputElement>('#gift-code').value.trim();
  const attendees = [...document.querySelectorAll<HTMLInputElement>('[id^="att-name-"]')].map((input, i) => ({
    name: input.value,
    email: $<HTMLInputElement>(`#att-email-${i}`).value,
  }));
  setStatus(status, 'busy', 'Authorising your card…');
  try {
    const order = await api<Order>(
      'POST',
      '/v1/orders',
      {
        holdId,
        payment: {
          card: { number: $<HTMLInputElement>('#card').value, expMonth, expYear: (expYear ?? 0) < 100 ? 2000 + (expYear ?? 0) : expYear, cvc: $<HTMLInputElement>('#cvc').value },
          giftCards: giftCode ? [{ code: giftCode }] : [],
        },
        ...(attendees.length ? { attendees } : {}),
      },
      { idempotencyKey },
    );
    setStatus(status, '', '');
    await showConfirmation(order);
  } catch (err) {
    setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'Network error: your card was not charged twice; press Pay again.');
    // A refusal is final for this key; a new attempt needs a new one.
    if (err instanceof ApiError) sessionStorage.setItem(keyName, crypto.randomUUID());
  }
});

$('#release').addEventListener('click', async () => {
  await api('DELETE', `/v1/holds/${holdId}`).catch(() => undefined);
  location.href = '/';
});

void renderHeader();
if (!(await currentUser())) location.href = '/account.html';
try {
  const hold = await api<Hold>('GET', `/v1/holds/${encodeURIComponent(holdId)}`);
  showHold(hold);
  if (hold.status === 'active') countdown(new Date(hold.expiresAt));
  else setStatus(status, 'bad', `This hold is ${hold.status}.`);
} catch (err) {
  setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'Network error.');
}
