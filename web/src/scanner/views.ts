import { $, h, setStatus, type StatusLine } from '../lib/dom.js';
import { localTime } from '../lib/layout.js';
import type { Store } from '../lib/store.js';
import type { actions, OfflineFacts, ScanAnswer, ScannerState, SyncOutcome } from './state.js';
import { clock, outsideWindowWords, RESULT_WORDS } from './words.js';

/** The door scanner's views: each part of the page drawn from the state (see lib/store.ts). */

type ScannerStore = Store<ScannerState, typeof actions>;

const statusLine = (selector: string) => (line: StatusLine) => setStatus($(selector), line.kind, line.text);

/** The big green or red answer, with the reason, the seat and the name on the ticket. */
function renderResult(answer: ScanAnswer | null): void {
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
}

function renderOffline(offline: OfflineFacts | null): void {
  if (!offline) return;
  const { online, bundle, pending } = offline;
  const connection = $('#connection');
  connection.textContent = online
    ? 'Online: the server decides each scan.'
    : 'Offline: this device decides with the downloaded bundle.';
  connection.className = `connection ${online ? 'is-online' : 'is-offline'}`;
  $('#bundle-state').textContent = !bundle
    ? 'No offline bundle on this device yet.'
    : bundle.expired
      ? `Offline bundle from ${clock(bundle.issuedAt)} expired at ${clock(bundle.expiresAt)}: download a fresh one before scanning offline.`
      : `Offline bundle from ${clock(bundle.issuedAt)} (valid until ${clock(bundle.expiresAt)}): ${bundle.revoked} revoked, ${bundle.inside} already inside then.`;
  $('#pending-count').textContent = String(pending);
  $<HTMLButtonElement>('#sync-now').disabled = !online || pending === 0;
}

function renderReport(report: SyncOutcome | null): void {
  if (!report) return;
  $('#sync-report').replaceChildren(
    ...report.conflicts.map((c) =>
      h(
        'li',
        {},
        `Ticket ${c.ticketId.slice(0, 8)}: let in here at ${clock(c.scannedAt)} while offline, but gate ${c.firstGate} had admitted it at ${clock(c.firstUsedAt)}.`,
      ),
    ),
    ...report.overruled.map((o) =>
      h(
        'li',
        {},
        `A code let in here at ${clock(o.scannedAt)} was ${RESULT_WORDS[o.serverResult][0].toLowerCase()} on the server.`,
      ),
    ),
    ...report.outsideWindow.map((o) => h('li', {}, outsideWindowWords(o))),
  );
}

export function showScanner(store: ScannerStore): void {
  store.view((s) => s.status, statusLine('#scanner-status'));
  store.view(
    (s) => [s.account, s.station] as const,
    ([account, station]) => {
      $('#signin-gate').hidden = account !== 'signed_out';
      $('#setup').hidden = account !== 'signed_in' || station !== null;
      $('#station').hidden = station === null;
    },
  );

  // Setup: the event list, the gate, and their status lines.
  store.view(
    (s) => s.choices,
    (choices, s) =>
      $('#event').replaceChildren(
        h('option', { value: '' }, choices.length ? 'Choose an event' : 'Search for the event first'),
        ...choices.map((e) =>
          h(
            'option',
            { value: e.id, selected: e.id === s.chosen },
            `${e.title} — ${localTime(e.startsAt.utc, e.startsAt.timeZone)}, ${e.venue.name}`,
          ),
        ),
      ),
  );
  store.view(
    (s) => s.chosen,
    (chosen) => void ($<HTMLSelectElement>('#event').value = chosen),
  );
  store.view(
    (s) => s.rememberedGate,
    (gate) => gate && void ($<HTMLInputElement>('#gate').value = gate),
  );
  store.view((s) => s.search, statusLine('#search-status'));
  store.view((s) => s.setup, statusLine('#setup-status'));

  // Station: what is being scanned for, the answer, the camera.
  store.view(
    (s) => s.station,
    (station) => station && void ($('#station-title').textContent = `${station.title} · gate ${station.gate}`),
  );
  store.view((s) => s.result, renderResult);
  store.view(
    (s) => s.camera,
    (camera) => {
      const button = $<HTMLButtonElement>('#camera-toggle');
      const video = $<HTMLVideoElement>('#camera');
      button.hidden = !camera.available;
      button.textContent = camera.state === 'on' ? 'Stop the camera' : 'Use the camera';
      video.hidden = camera.state === 'off';
      if (camera.decoder) video.dataset.decoder = camera.decoder;
      $('#camera-note').textContent = camera.note;
    },
  );

  // Offline mode: the connection, the bundle, the queue and the last sync.
  store.view((s) => s.offline, renderOffline);
  store.view((s) => s.sync, statusLine('#sync-status'));
  store.view((s) => s.report, renderReport);
}
