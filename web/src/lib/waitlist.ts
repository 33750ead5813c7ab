import type { MyEntryView } from '../../../src/waitlist/waitlist.schemas.js';
import { api, ApiError, session } from './api.js';
import { h, setStatus } from './dom.js';
import { signInHref } from './next-path.js';
import { viewerTime } from './zoned-time.js';

/**
 * The event page's waitlist (issue #19, part 2): once the sale is sold out, a signed-in fan can
 * join the line; places that come back are offered in line order, each held for the fan for
 * ten minutes. The page calls showWaitlist(event) on every render; this keeps its own box,
 * placed after the sale note, and reads the fan's entry when the phase turns to sold out.
 */

let box: HTMLElement | null = null;
let shownFor: string | null = null;

function ensureBox(): HTMLElement {
  if (box) return box;
  box = h('section', { id: 'waitlist', class: 'waitlist', 'aria-labelledby': 'waitlist-title' });
  const note = document.getElementById('sale-note');
  if (note) note.after(box);
  else document.querySelector('main')?.append(box);
  return box;
}

/** A refusal in people's words (web/src/lib/words.ts has the waitlist's codes). */
const refusal = (err: unknown) => (err instanceof ApiError ? err.describe() : 'Something went wrong; try again.');

function words(entry: MyEntryView): (string | HTMLElement)[] {
  switch (entry.state) {
    case 'waiting':
      return [
        `You are number ${entry.position!.toLocaleString()} on the waitlist (${entry.waiting.toLocaleString()} waiting). ` +
          'When a ticket comes back and it is your turn, it is held for you for ten minutes and we email you.',
      ];
    case 'offered':
      return [
        `A ticket came back and is held for you until ${viewerTime(entry.offerExpiresAt!)}. `,
        h('a', { href: `/checkout.html?hold=${entry.holdId}`, class: 'button' }, 'Buy it now'),
      ];
    case 'bought':
      return ['You bought the ticket the waitlist offered you. ', h('a', { href: '/tickets.html' }, 'My tickets')];
    case 'lapsed':
      return ['The ticket offered to you was not bought in time, so it went to the next fan in line.'];
    case 'left':
      return ['You left the waitlist.'];
    case 'skipped':
      return ['Your turn came when you already had as many tickets as one account may buy.'];
  }
}

async function render(eventId: string, target: HTMLElement, entry: MyEntryView | null, status = ''): Promise<void> {
  const title = h('h3', { id: 'waitlist-title' }, 'Waitlist');
  const line = h('p', { id: 'waitlist-status', class: 'status', role: 'status', 'aria-live': 'polite' });
  if (!session.token()) {
    target.replaceChildren(
      title,
      h(
        'p',
        {},
        'Sold out, but tickets may come back: fans on the waitlist get them in turn. ',
        h('a', { href: signInHref(location) }, 'Sign in'),
        ' to join it.',
      ),
    );
    return;
  }
  if (!entry) {
    const join = h('button', { type: 'button', id: 'waitlist-join' }, 'Join the waitlist');
    join.addEventListener('click', () => void act(eventId, target, 'POST', join));
    target.replaceChildren(
      title,
      h(
        'p',
        {},
        'Sold out, but tickets may come back. Fans on the waitlist are offered them in the order they joined.',
      ),
      join,
      line,
    );
  } else {
    const parts: HTMLElement[] = [title, h('p', {}, ...words(entry))];
    if (entry.state === 'waiting') {
      const leave = h('button', { type: 'button', id: 'waitlist-leave', class: 'secondary' }, 'Leave the waitlist');
      leave.addEventListener('click', () => void act(eventId, target, 'DELETE', leave));
      parts.push(leave);
    }
    target.replaceChildren(...parts, line);
  }
  if (status) setStatus(line, 'bad', status);
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

async function load(eventId: string, target: HTMLElement): Promise<void> {
  if (!session.token()) return render(eventId, target, null);
  try {
    await render(eventId, target, await api<MyEntryView>('GET', `/v1/events/${eventId}/waitlist/me`));
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
