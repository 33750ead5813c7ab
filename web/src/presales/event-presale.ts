import type { z } from 'zod';
import type { eventPresales } from '../../../src/presales/presales.schemas.js';
import { api, ApiError, session } from '../lib/api.js';
import { h, setStatus, slot, withNodes } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
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

type Times = { name: string; opens: string; closes: string };

/** A window in one sentence per gate and state (its name set in bold where the language puts it). */
const WINDOW_WORDS: Record<Window['gate'], Record<'open' | 'later', (values: Times) => string>> = {
  code: {
    open: (v) => t('event:presale.openCode', v),
    later: (v) => t('event:presale.laterCode', v),
  },
  allowlist: {
    open: (v) => t('event:presale.openAllowlist', v),
    later: (v) => t('event:presale.laterAllowlist', v),
  },
  staff: {
    open: (v) => t('event:presale.openStaff', v),
    later: (v) => t('event:presale.laterStaff', v),
  },
};

function windowLine(w: Window, timeZone: string): HTMLElement {
  const sentence = WINDOW_WORDS[w.gate][w.status === 'open' ? 'open' : 'later']({
    name: slot('name'),
    opens: localTime(w.opensAt, timeZone),
    closes: localTime(w.closesAt, timeZone),
  });
  return h('li', {}, ...withNodes(sentence, { name: h('strong', {}, w.name) }));
}

/** What the fan can do about the window open now or next. */
function yourPart(w: Window, eventId: string, rerender: () => void): HTMLElement[] {
  if (w.eligible) {
    // A queue-mode window's room opens before the window does: its pre-queue is where to wait.
    const roomOpen = w.mode === 'queue' && w.prequeueOpensAt !== null && Date.parse(w.prequeueOpensAt) <= Date.now();
    if (w.status !== 'open' && !roomOpen)
      return [h('p', { class: 'status ok' }, t('event:presale.comeBack', { name: w.name }))];
    if (w.mode === 'queue') {
      const link = h(
        'a',
        { class: 'button', href: `/queue.html?event=${w.id}&presale=${eventId}` },
        t('event:presale.goToRoom'),
      );
      return [h('p', { class: 'status ok' }, t('event:presale.ownRoom', { name: w.name })), link];
    }
    return [
      h(
        'p',
        { class: 'status ok', id: 'presale-yours' },
        redeemedJust === w.id ? t('event:presale.codeAccepted') : t('event:presale.canBuy'),
      ),
    ];
  }
  if (w.gate === 'allowlist') return [h('p', { class: 'muted' }, t('event:presale.notListed'))];
  if (w.gate === 'staff') return [h('p', { class: 'muted' }, t('event:presale.staffOnly'))];
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
    h('label', { for: 'presale-code' }, t('event:presale.codeLabel', { name: w.name })),
    input,
    h('button', { type: 'submit' }, t('event:presale.useCode')),
    status,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!session.token()) {
      location.href = `/account.html?next=${encodeURIComponent(location.pathname + location.search)}`;
      return;
    }
    setStatus(status, 'busy', t('event:presale.checking'));
    try {
      await api('POST', `/v1/presales/${w.id}/redeem`, { code: input.value });
      redeemedJust = w.id;
      await refresh(w.eventId);
      rerender();
    } catch (err) {
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('event:presale.network'));
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
    h('h3', { id: 'presale-title' }, t('event:presale.title')),
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
