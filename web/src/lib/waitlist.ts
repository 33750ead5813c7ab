import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../src/realtime/events.js';
import type { MyEntryView } from '../../../src/waitlist/waitlist.schemas.js';
import { api, ApiError, session } from './api.js';
import { h, setStatus, slot, withNodes } from './dom.js';
import { locale, number, t } from './i18n.js';
import { signInHref } from './next-path.js';
import { viewerTime } from './zoned-time.js';

/**
 * The event page's waitlist (issue #19, part 2): once the sale is sold out, a signed-in fan can
 * join the line; places that come back are offered in line order, each held for the fan for
 * ten minutes. The page calls showWaitlist(event) on every render; this keeps its own box,
 * placed after the sale note, and reads the fan's entry when the phase turns to sold out.
 *
 * While the box is up, a signed-in fan's page listens on the realtime gateway (its `user:<id>`
 * room): the `waitlist.offer` notice written with the offer reaches it the moment the offer is
 * made, and the box shows it, with the time left counting down, without a reload.
 */

let box: HTMLElement | null = null;
let shownFor: string | null = null;
let live: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
let ticking: ReturnType<typeof setInterval> | null = null;

/** What is left of an offer, as a clock reads it: `9:58`, `0:05`. */
export function timeLeft(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/** Counts the offer down once a second in `#waitlist-countdown`; at zero the entry is read again (it passed on). */
function countDown(eventId: string, target: HTMLElement, entry: MyEntryView): void {
  if (ticking) clearInterval(ticking);
  ticking = null;
  if (entry.state !== 'offered' || !entry.offerExpiresAt) return;
  const ends = Date.parse(entry.offerExpiresAt);
  const tick = () => {
    const clock = target.querySelector<HTMLElement>('#waitlist-countdown');
    const left = ends - Date.now();
    if (clock) clock.textContent = timeLeft(left);
    if (left <= 0 || !clock) {
      clearInterval(ticking!);
      ticking = null;
      if (clock) void load(eventId, target);
    }
  };
  ticking = setInterval(tick, 1_000);
  tick();
}

/** Listens for this event's waitlist offer on the fan's own room; once per page. */
function listen(eventId: string, target: HTMLElement): void {
  if (live || !session.token()) return;
  live = io({ auth: { token: session.token() ?? '' } });
  live.on('notification', (push) => {
    if (push.kind !== 'waitlist.offer' || push.data.eventId !== eventId) return;
    void load(eventId, target, t('sale:waitlist.offerArrived'));
  });
}

function ensureBox(): HTMLElement {
  if (box) return box;
  box = h('section', { id: 'waitlist', class: 'waitlist', 'aria-labelledby': 'waitlist-title' });
  const note = document.getElementById('sale-note');
  if (note) note.after(box);
  else document.querySelector('main')?.append(box);
  return box;
}

/** A refusal in people's words (web/src/lib/words.ts has the waitlist's codes). */
const refusal = (err: unknown) => (err instanceof ApiError ? err.describe() : t('sale:waitlist.failed'));

function words(entry: MyEntryView): (string | Node)[] {
  switch (entry.state) {
    case 'waiting':
      return [t('sale:waitlist.waiting', { position: number(entry.position!), waiting: number(entry.waiting) })];
    case 'offered':
      return [
        ...withNodes(
          t('sale:waitlist.offered', { time: viewerTime(entry.offerExpiresAt!, { locale }), left: slot('left') }),
          {
            left: h(
              'span',
              { id: 'waitlist-countdown', class: 'countdown' },
              timeLeft(Date.parse(entry.offerExpiresAt!) - Date.now()),
            ),
          },
        ),
        h('a', { href: `/checkout.html?hold=${entry.holdId}`, class: 'button' }, t('sale:waitlist.buyNow')),
      ];
    case 'bought':
      return [t('sale:waitlist.bought'), h('a', { href: '/tickets.html' }, t('sale:waitlist.myTickets'))];
    case 'lapsed':
      return [t('sale:waitlist.lapsed')];
    case 'left':
      return [t('sale:waitlist.left')];
    case 'skipped':
      return [t('sale:waitlist.skipped')];
  }
}

async function render(
  eventId: string,
  target: HTMLElement,
  entry: MyEntryView | null,
  status = '',
  news = '',
): Promise<void> {
  const title = h('h3', { id: 'waitlist-title' }, t('sale:waitlist.title'));
  const line = h('p', { id: 'waitlist-status', class: 'status', role: 'status', 'aria-live': 'polite' });
  if (!session.token()) {
    target.replaceChildren(
      title,
      h(
        'p',
        {},
        ...withNodes(t('sale:waitlist.signedOut', { signIn: slot('signIn') }), {
          signIn: h('a', { href: signInHref(location) }, t('sale:waitlist.signIn')),
        }),
      ),
    );
    return;
  }
  if (!entry) {
    const join = h('button', { type: 'button', id: 'waitlist-join' }, t('sale:waitlist.join'));
    join.addEventListener('click', () => void act(eventId, target, 'POST', join));
    target.replaceChildren(title, h('p', {}, t('sale:waitlist.intro')), join, line);
  } else {
    const parts: HTMLElement[] = [title, h('p', {}, ...words(entry))];
    if (entry.state === 'waiting') {
      const leave = h('button', { type: 'button', id: 'waitlist-leave', class: 'secondary' }, t('sale:waitlist.leave'));
      leave.addEventListener('click', () => void act(eventId, target, 'DELETE', leave));
      parts.push(leave);
    }
    target.replaceChildren(...parts, line);
    countDown(eventId, target, entry);
  }
  if (status) setStatus(line, 'bad', status);
  else if (news) setStatus(line, 'ok', news);
}

async function act(eventId: string, target: HTMLElement, method: 'POST' | 'DELETE', button: HTMLButtonElement) {
  button.disabled = true;
  try {
    const path = method === 'POST' ? `/v1/events/${eventId}/waitlist` : `/v1/events/${eventId}/waitlist/me`;
    await render(eventId, target, await api<MyEntryView>(method, path));
  } catch (err) {
    button.disabled = false;
    const line = target.querySelector<HTMLElement>('#waitlist-status');
    if (line) setStatus(line, 'bad', refusal(err));
  }
}

async function load(eventId: string, target: HTMLElement, news = ''): Promise<void> {
  if (!session.token()) return render(eventId, target, null);
  listen(eventId, target);
  try {
    await render(eventId, target, await api<MyEntryView>('GET', `/v1/events/${eventId}/waitlist/me`), '', news);
  } catch (err) {
    if (err instanceof ApiError && err.problem.status === 404) return render(eventId, target, null);
    await render(eventId, target, null, refusal(err));
  }
}

/** Shows the waitlist box while the sale is sold out (or the fan already has an entry), hides it otherwise. */
export function showWaitlist(event: { id: string; phase?: string }): void {
  const soldOut = event.phase === 'sold_out';
  if (!soldOut && !box) return;
  const target = ensureBox();
  target.hidden = !soldOut;
  if (!soldOut) {
    shownFor = null;
    return;
  }
  if (shownFor === event.id) return;
  shownFor = event.id;
  void load(event.id, target);
}
