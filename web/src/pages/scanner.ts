import { api, ApiError } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { currentUser, localTime, renderHeader } from '../lib/layout.js';
import { cameraScanningAvailable, startCamera, type Camera } from '../scanner/camera.js';
import {
  BundleExpiredError,
  OfflineStore,
  ticketIdOf,
  type LocalAnswer,
  type OutsideWindow,
  type ScanResult,
} from '../scanner/offline.js';

/**
 * The door scanner: pick the event and gate, scan with the camera or type a code, see a big
 * green or red answer with the reason and the seat. Online, POST /v1/checkin decides; without
 * a network (or when a request fails to leave) the downloaded bundle decides on this device
 * and the scan waits in a queue that is uploaded when the connection is back.
 */

interface ScanAnswer {
  result: ScanResult;
  ticket: { id: string; attendeeName: string | null } | null;
  seat: string | null;
  firstUsedAt: string | null;
  firstGate: string | null;
}
interface EventChoice {
  id: string;
  title: string;
  startsAt: { utc: string; timeZone: string };
  venue: { name: string };
}

const RESULT_WORDS: Record<
  ScanResult,
  [string, (a: { firstUsedAt: string | null; firstGate: string | null }) => string]
> = {
  admitted: ['Admitted', () => 'Welcome in.'],
  already_used: [
    'Already used',
    (a) =>
      `Already used${a.firstUsedAt ? ` at ${clock(a.firstUsedAt)}` : ''}${a.firstGate ? ` by gate ${a.firstGate}` : ''}. Do not let in again.`,
  ],
  revoked: ['Revoked', () => 'This code no longer admits anyone: the ticket was transferred, refunded or cancelled.'],
  wrong_event: ['Wrong event', () => 'This ticket is for another event.'],
  invalid: ['Invalid', () => 'Not a Fairdrop ticket, or the code was altered.'],
  not_yet_valid: ['Not yet valid', () => 'Check-in for this ticket has not opened yet.'],
  expired_code: [
    'Expired code',
    () => 'The code is too old (a screenshot?). Ask the holder to open the ticket live on their phone.',
  ],
};

const REMEMBERED = 'fairdrop.scanner.station';
const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const pageStatus = $('#scanner-status');
let store: OfflineStore | null = null;
let gate = '';
let camera: Camera | null = null;

// Setup -----------------------------------------------------------------------------------

const eventSelect = $<HTMLSelectElement>('#event');
const choices = new Map<string, EventChoice>();

function addChoices(list: EventChoice[], select?: string): void {
  for (const e of list) choices.set(e.id, e);
  const current = select ?? eventSelect.value;
  eventSelect.replaceChildren(
    h('option', { value: '' }, choices.size ? 'Choose an event' : 'Search for the event first'),
    ...[...choices.values()].map((e) =>
      h(
        'option',
        { value: e.id, selected: e.id === current },
        `${e.title} — ${localTime(e.startsAt.utc, e.startsAt.timeZone)}, ${e.venue.name}`,
      ),
    ),
  );
}

async function eventById(id: string): Promise<EventChoice | null> {
  return api<EventChoice>('GET', `/v1/events/${encodeURIComponent(id)}`).catch(() => null);
}

$<HTMLFormElement>('#event-search-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const q = $<HTMLInputElement>('#event-search').value.trim();
  const status = $('#search-status');
  setStatus(status, 'busy', 'Searching…');
  try {
    const { events } = await api<{ events: EventChoice[] }>(
      'GET',
      `/v1/events?sort=date&limit=20${q ? `&q=${encodeURIComponent(q)}` : ''}`,
    );
    addChoices(events, events[0]?.id);
    setStatus(
      status,
      events.length ? 'ok' : 'bad',
      events.length
        ? `${events.length} event${events.length === 1 ? '' : 's'} found: choose below.`
        : 'No event matches.',
    );
  } catch (err) {
    setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'Network error.');
  }
});

$<HTMLFormElement>('#setup-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const status = $('#setup-status');
  const eventId = eventSelect.value;
  gate = $<HTMLInputElement>('#gate').value.trim();
  if (!eventId || !gate) {
    setStatus(
      status,
      'bad',
      !eventId ? 'Choose the event you are admitting to.' : 'Name your gate (for example 3 or North).',
    );
    (!eventId ? eventSelect : $<HTMLInputElement>('#gate')).focus();
    return;
  }
  setStatus(status, 'busy', 'Downloading the offline bundle…');
  const candidate = new OfflineStore(eventId);
  try {
    // The download also proves this account may scan here (403 names the reason), and keeps the door open through an outage.
    await candidate.download();
  } catch (err) {
    if (err instanceof ApiError) {
      setStatus(status, 'bad', err.describe());
      return;
    }
    if (!candidate.bundle()) {
      setStatus(status, 'bad', 'No connection and no offline bundle for this event on this device yet.');
      return;
    }
  }
  setStatus(status, '', '');
  localStorage.setItem(REMEMBERED, JSON.stringify({ eventId, gate, title: choices.get(eventId)?.title ?? '' }));
  openStation(candidate);
});

// Station ---------------------------------------------------------------------------------

function openStation(s: OfflineStore): void {
  store = s;
  const e = choices.get(s.eventId);
  $('#station-title').textContent = `${e?.title ?? 'Event'} · gate ${gate}`;
  $('#setup').hidden = true;
  $('#station').hidden = false;
  showResult(null);
  renderOffline();
  $<HTMLTextAreaElement>('#code').focus();
  if (navigator.onLine && s.queue().length) void sync();
}

$('#change-station').addEventListener('click', () => {
  camera?.stop();
  camera = null;
  $('#station').hidden = true;
  $('#setup').hidden = false;
  eventSelect.focus();
});

function showResult(answer: (ScanAnswer & { offline?: boolean }) | null): void {
  const box = $('#result');
  if (!answer) {
    box.className = 'scan-result idle';
    box.replaceChildren(
      h('p', { class: 'result-word' }, 'Ready'),
      h('p', { class: 'result-reason' }, 'Scan a ticket or type its code.'),
    );
    return;
  }
  const [word, reason] = RESULT_WORDS[answer.result];
  const ok = answer.result === 'admitted';
  box.className = `scan-result ${ok ? 'result-ok' : 'result-bad'}`;
  box.dataset.result = answer.result;
  const lines = [
    h('p', { class: 'result-word' }, h('span', { 'aria-hidden': 'true' }, ok ? '✓ ' : '✕ '), word),
    h('p', { class: 'result-reason' }, reason(answer)),
    answer.seat ? h('p', { class: 'result-seat' }, answer.seat) : null,
    answer.ticket?.attendeeName ? h('p', { class: 'result-name' }, answer.ticket.attendeeName) : null,
    answer.offline ? h('p', { class: 'result-note' }, 'Checked on this device (offline); it will be synced.') : null,
  ];
  box.replaceChildren(...lines.filter((l) => l !== null));
  navigator.vibrate?.(ok ? 120 : [120, 60, 120]);
}

const isNetworkFailure = (err: unknown) => !(err instanceof ApiError);

async function scan(code: string): Promise<void> {
  if (!store || !code.trim()) return;
  const s = store;
  setStatus(pageStatus, 'busy', 'Checking…');
  try {
    if (!navigator.onLine) throw new TypeError('offline');
    const answer = await api<ScanAnswer>('POST', '/v1/checkin', {
      code: code.trim(),
      gate,
      nonce: crypto.randomUUID(),
      eventId: s.eventId,
    });
    // Remembered for offline use: a ticket admitted online is "already used" if it comes back while the network is down.
    const id = answer.ticket?.id ?? ticketIdOf(code);
    if (
      id &&
      answer.firstUsedAt &&
      answer.firstGate &&
      (answer.result === 'admitted' || answer.result === 'already_used')
    )
      s.markInside(id, answer.firstUsedAt, answer.firstGate);
    showResult(answer);
    setStatus(pageStatus, '', '');
  } catch (err) {
    if (!isNetworkFailure(err)) {
      setStatus(pageStatus, 'bad', (err as ApiError).describe());
      return;
    }
    if (!s.bundle()) {
      setStatus(pageStatus, 'bad', 'No connection, and no offline bundle: download it while online.');
      return;
    }
    let local: LocalAnswer;
    try {
      local = await s.decide(code, gate);
    } catch (expired) {
      if (!(expired instanceof BundleExpiredError)) throw expired;
      setStatus(
        pageStatus,
        'bad',
        `No connection, and the offline bundle expired at ${clock(expired.expiresAt)}: download a fresh one while online.`,
      );
      return;
    }
    showResult({ ...local, ticket: null, offline: true });
    setStatus(pageStatus, '', '');
    renderOffline();
  }
}

$<HTMLFormElement>('#manual').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = $<HTMLTextAreaElement>('#code');
  await scan(input.value);
  input.value = '';
  input.focus();
});
// Enter submits (a keyboard wedge scanner types the code and presses Enter); Shift+Enter is a new line.
$<HTMLTextAreaElement>('#code').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    $<HTMLFormElement>('#manual').requestSubmit();
  }
});

const cameraButton = $<HTMLButtonElement>('#camera-toggle');
cameraButton.addEventListener('click', async () => {
  const video = $<HTMLVideoElement>('#camera');
  if (camera) {
    camera.stop();
    camera = null;
    video.hidden = true;
    cameraButton.textContent = 'Use the camera';
    return;
  }
  try {
    video.hidden = false;
    camera = await startCamera(video, scan);
    video.dataset.decoder = camera.decoder;
    cameraButton.textContent = 'Stop the camera';
  } catch (err) {
    video.hidden = true;
    $('#camera-note').textContent =
      `The camera could not start (${err instanceof Error ? err.message : 'refused'}). Type the code below.`;
  }
});

// Offline ---------------------------------------------------------------------------------

function renderOffline(): void {
  if (!store) return;
  const bundle = store.bundle();
  const online = navigator.onLine;
  const connection = $('#connection');
  connection.textContent = online
    ? 'Online: the server decides each scan.'
    : 'Offline: this device decides with the downloaded bundle.';
  connection.className = `connection ${online ? 'is-online' : 'is-offline'}`;
  const expired = bundle && Date.now() > Date.parse(bundle.window.expiresAt);
  $('#bundle-state').textContent = !bundle
    ? 'No offline bundle on this device yet.'
    : expired
      ? `Offline bundle from ${clock(bundle.issuedAt)} expired at ${clock(bundle.window.expiresAt)}: download a fresh one before scanning offline.`
      : `Offline bundle from ${clock(bundle.issuedAt)} (valid until ${clock(bundle.window.expiresAt)}): ${bundle.bundle.revocations.length} revoked, ${bundle.admitted.length} already inside then.`;
  $('#pending-count').textContent = String(store.queue().length);
  $<HTMLButtonElement>('#sync-now').disabled = !online || store.queue().length === 0;
}

/** Why the server did not take this device's time for a scan, and what it decided instead. */
function outsideWindowWords(o: OutsideWindow): string {
  const when =
    o.clock === 'before_window'
      ? 'before this offline bundle was downloaded'
      : 'after the upload or after the offline bundle expired';
  return `A scan this device dated ${clock(o.scannedAt)}, ${when}, was judged at ${clock(o.judgedAt)} instead: ${RESULT_WORDS[o.serverResult][0].toLowerCase()}.`;
}

let syncing = false;
async function sync(): Promise<void> {
  if (!store || syncing) return;
  syncing = true;
  const report = $('#sync-report');
  setStatus($('#sync-status'), 'busy', 'Uploading offline scans…');
  try {
    const { sent, conflicts, overruled, outsideWindow } = await store.sync();
    setStatus(
      $('#sync-status'),
      conflicts.length || overruled.length || outsideWindow.length ? 'bad' : 'ok',
      `Synced ${sent} scan${sent === 1 ? '' : 's'}.${conflicts.length ? ` ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}.` : ''}` +
        (outsideWindow.length
          ? ` ${outsideWindow.length} outside the offline bundle's time window: check this device's clock.`
          : ''),
    );
    report.replaceChildren(
      ...conflicts.map((c) =>
        h(
          'li',
          {},
          `Ticket ${c.ticketId.slice(0, 8)}: let in here at ${clock(c.scannedAt)} while offline, but gate ${c.firstGate} had admitted it at ${clock(c.firstUsedAt)}.`,
        ),
      ),
      ...overruled.map((o) =>
        h(
          'li',
          {},
          `A code let in here at ${clock(o.scannedAt)} was ${RESULT_WORDS[o.serverResult][0].toLowerCase()} on the server.`,
        ),
      ),
      ...outsideWindow.map((o) => h('li', {}, outsideWindowWords(o))),
    );
    renderOffline(); // the queue count goes with the report, not after the download below
    await store.download().catch(() => undefined); // fresh revocations and admissions from other gates
  } catch (err) {
    setStatus(
      $('#sync-status'),
      'bad',
      err instanceof ApiError ? err.describe() : 'Still offline: the scans stay queued on this device.',
    );
  } finally {
    syncing = false;
    renderOffline();
  }
}

$('#sync-now').addEventListener('click', () => void sync());
$('#bundle-download').addEventListener('click', async () => {
  if (!store) return;
  try {
    await store.download();
    setStatus($('#sync-status'), 'ok', 'Offline bundle updated.');
  } catch (err) {
    setStatus(
      $('#sync-status'),
      'bad',
      err instanceof ApiError ? err.describe() : 'No connection: keeping the bundle this device has.',
    );
  }
  renderOffline();
});
window.addEventListener('online', () => {
  renderOffline();
  void sync();
});
window.addEventListener('offline', renderOffline);

// Start -----------------------------------------------------------------------------------

void renderHeader();
const me = await currentUser();
if (!me) {
  $('#signin-gate').hidden = false;
  setStatus(pageStatus, '', '');
} else {
  $('#setup').hidden = false;
  setStatus(pageStatus, '', '');
  if (!cameraScanningAvailable()) {
    cameraButton.hidden = true;
    $('#camera-note').textContent =
      'This browser cannot use a camera here: type or paste the code, or use a USB/Bluetooth scanner (it types into the field).';
  }
  const remembered = JSON.parse(localStorage.getItem(REMEMBERED) ?? 'null') as { eventId: string; gate: string } | null;
  const wanted = new URLSearchParams(location.search).get('event') ?? remembered?.eventId ?? null;
  const organized =
    me.roles.includes('organizer') || me.roles.includes('admin')
      ? await api<{
          events: { id: string; title: string; startsAt: string; venue: { name: string; timeZone: string } }[];
        }>('GET', '/v1/organizer/events').then(
          (r) =>
            r.events.map((e) => ({
              id: e.id,
              title: e.title,
              startsAt: { utc: e.startsAt, timeZone: e.venue.timeZone },
              venue: { name: e.venue.name },
            })),
          () => [],
        )
      : [];
  const named = wanted && !organized.some((e) => e.id === wanted) ? await eventById(wanted) : null;
  addChoices([...(named ? [named] : []), ...organized], wanted ?? undefined);
  if (remembered?.gate) $<HTMLInputElement>('#gate').value = remembered.gate;
}
