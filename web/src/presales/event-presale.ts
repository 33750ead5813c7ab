import type { z } from 'zod';
import type { eventPresales } from '../../../src/presales/presales.schemas.js';
import { api, ApiError, session } from '../lib/api.js';
import { h, setStatus } from '../lib/dom.js';
import { localTime } from '../lib/layout.js';

/**
 * The event page's presale part (issue #19, part 3): the event's presale windows in words, and
 * for the window open now (or the next one) what this fan can do: enter a code, go to the
 * window's own waiting room, or buy. The buy form asks `presaleNow()` whether a presale lets
 * this fan hold right now; the API decides (fd_presale_eligible) and this only mirrors it.
 */

type Presales = z.input<typeof eventPresales>;
type Window = Presales['windows'][number];

export interface PresaleNow {
  windowId: string;
  mode: 'queue' | 'open';
  eligible: boolean;
}

let data: Presales | null = null;
let redeemedJust = '';

/** The window open now, for this fan: null when no presale is on. */
export function presaleNow(): PresaleNow | null {
  const w = data?.windows.find((x) => x.id === data?.current);
  return w ? { windowId: w.id, mode: w.mode, eligible: w.eligible === true } : null;
}

const GATE_WORDS: Record<Window['gate'], string> = {
  code: 'for fans with a presale code',
  allowlist: 'for fans on the organizer’s list',
  staff: 'for the event’s staff',
};

function windowLine(w: Window, timeZone: string): HTMLElement {
  const when =
    w.status === 'open'
      ? `on now, until ${localTime(w.closesAt, timeZone)}`
      : `from ${localTime(w.opensAt, timeZone)} to ${localTime(w.closesAt, timeZone)}`;
  return h('li', {}, h('strong', {}, w.name), ` — ${GATE_WORDS[w.gate]}, ${when}.`);
}

/** What the fan can do about the window open now or next. */
function yourPart(w: Window, eventId: string, rerender: () => void): HTMLElement[] {
  if (w.eligible) {
    // A queue-mode window's room opens before the window does: its pre-queue is where to wait.
    const roomOpen = w.mode === 'queue' && w.prequeueOpensAt !== null && Date.parse(w.prequeueOpensAt) <= Date.now();
    if (w.status !== 'open' && !roomOpen)
      return [h('p', { class: 'status ok' }, `You are in for “${w.name}”: come back when it opens.`)];
    if (w.mode === 'queue') {
      const link = h(
        'a',
        { class: 'button', href: `/queue.html?event=${w.id}&presale=${eventId}` },
        'Go to the presale waiting room',
      );
      return [h('p', { class: 'status ok' }, `You are in for “${w.name}”. It has a waiting room of its own.`), link];
    }
    return [
      h(
        'p',
        { class: 'status ok', id: 'presale-yours' },
        redeemedJust === w.id ? 'Code accepted: you can buy in this presale now.' : 'You can buy in this presale now.',
      ),
    ];
  }
  if (w.gate === 'allowlist')
    return [
      h(
        'p',
        { class: 'muted' },
        'You are not on the organizer’s list for this presale: the general sale is open to everyone.',
      ),
    ];
  if (w.gate === 'staff') return [h('p', { class: 'muted' }, 'This presale is for the event’s staff only.')];
  return [codeForm(w, rerender)];
}

function codeForm(w: Window, rerender: () => void): HTMLElement {
  const input = h('input', {
    id: 'presale-code',
    name: 'code',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
  });
  const status = h('p', { id: 'presale-status', class: 'status', role: 'status', 'aria-live': 'polite' });
  const form = h(
    'form',
    { id: 'presale-form' },
    h('label', { for: 'presale-code' }, `Presale code for “${w.name}”`),
    input,
    h('button', { type: 'submit' }, 'Use this code'),
    status,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!session.token()) {
      location.href = `/account.html?next=${encodeURIComponent(location.pathname + location.search)}`;
      return;
    }
    setStatus(status, 'busy', 'Checking your code…');
    try {
      await api('POST', `/v1/presales/${w.id}/redeem`, { code: input.value });
      redeemedJust = w.id;
      await refresh(w.eventId);
      rerender();
    } catch (err) {
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'Network error; try again.');
      input.focus();
    }
  });
  return form;
}

async function refresh(eventId: string): Promise<void> {
  data = await api<Presales>('GET', `/v1/events/${encodeURIComponent(eventId)}/presales`).catch(() => data);
}

/** Draws the presale part into `slot` from the last answer. */
export function renderPresale(slot: HTMLElement, eventId: string, timeZone: string, rerender: () => void): void {
  const shown = (data?.windows ?? []).filter((w) => w.status !== 'closed');
  const generalStarted = data?.saleStartsAt ? Date.parse(data.saleStartsAt) <= Date.now() : true;
  slot.hidden = shown.length === 0 || generalStarted;
  if (slot.hidden) return void slot.replaceChildren();
  const target = shown.find((w) => w.status === 'open') ?? shown[0]!;
  // The code form keeps what is being typed: draw it again only when something else changed.
  const form = slot.querySelector<HTMLFormElement>('#presale-form');
  if (form && !target.eligible && target.gate === 'code' && slot.dataset.window === target.id) return;
  slot.dataset.window = target.id;
  slot.replaceChildren(
    h('h3', { id: 'presale-title' }, 'Presales'),
    h('ul', { class: 'presale-windows' }, ...shown.map((w) => windowLine(w, timeZone))),
    ...yourPart(target, eventId, rerender),
  );
}

/** Reads the event's presales (now and every 30 s: a window opens or closes on its own). */
export async function loadPresales(eventId: string, rerender: () => void): Promise<void> {
  await refresh(eventId);
  rerender();
  setInterval(() => void refresh(eventId).then(rerender), 30_000);
}
