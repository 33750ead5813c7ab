import { $, h, setStatus, type StatusLine } from '../lib/dom.js';
import { number, t } from '../lib/i18n.js';
import { localTime } from '../lib/layout.js';
import type { Store } from '../lib/store.js';
import type { actions, OfflineFacts, ScanAnswer, ScannerState, SyncOutcome } from './state.js';
import { clock, outsideWindowWords, resultReason, resultVerdict, resultWord } from './words.js';

/** The door scanner's views: each part of the page drawn from the state (see lib/store.ts). */

type ScannerStore = Store<ScannerState, typeof actions>;

const statusLine = (selector: string) => (line: StatusLine) => setStatus($(selector), line.kind, line.text);

/** The big green or red answer, with the reason, the seat and the name on the ticket. */
function renderResult(answer: ScanAnswer | null): void {
  const box = $('#result');
  if (!answer) {
    box.className = 'scan-result idle';
    box.replaceChildren(
      h('p', { class: 'result-word' }, t('scanner:station.ready')),
      h('p', { class: 'result-reason' }, t('scanner:station.readyHint')),
    );
    return;
  }
  const ok = answer.result === 'admitted';
  box.className = `scan-result ${ok ? 'result-ok' : 'result-bad'}`;
  box.dataset.result = answer.result;
  const lines = [
    h('p', { class: 'result-word' }, h('span', { 'aria-hidden': 'true' }, ok ? '✓ ' : '✕ '), resultWord(answer.result)),
    h('p', { class: 'result-reason' }, resultReason(answer.result, answer)),
    answer.seat ? h('p', { class: 'result-seat' }, answer.seat) : null,
    answer.ticket?.attendeeName ? h('p', { class: 'result-name' }, answer.ticket.attendeeName) : null,
    answer.offline ? h('p', { class: 'result-note' }, t('scanner:station.checkedOffline')) : null,
  ];
  box.replaceChildren(...lines.filter((l) => l !== null));
}

function renderOffline(offline: OfflineFacts | null): void {
  if (!offline) return;
  const { online, bundle, pending } = offline;
  const connection = $('#connection');
  connection.textContent = online ? t('scanner:offline.online') : t('scanner:offline.offline');
  connection.className = `connection ${online ? 'is-online' : 'is-offline'}`;
  $('#bundle-state').textContent = !bundle
    ? t('scanner:offline.noBundle')
    : bundle.expired
      ? t('scanner:offline.bundleExpired', { issued: clock(bundle.issuedAt), expires: clock(bundle.expiresAt) })
      : t('scanner:offline.bundle', {
          issued: clock(bundle.issuedAt),
          expires: clock(bundle.expiresAt),
          revoked: number(bundle.revoked),
          inside: number(bundle.inside),
        });
  $('#pending-count').textContent = number(pending);
  $<HTMLButtonElement>('#sync-now').disabled = !online || pending === 0;
}

function renderReport(report: SyncOutcome | null): void {
  if (!report) return;
  $('#sync-report').replaceChildren(
    ...report.conflicts.map((c) =>
      h(
        'li',
        {},
        t('scanner:sync.conflict', {
          ticket: c.ticketId.slice(0, 8),
          scanned: clock(c.scannedAt),
          gate: c.firstGate,
          first: clock(c.firstUsedAt),
        }),
      ),
    ),
    ...report.overruled.map((o) =>
      h('li', {}, t('scanner:sync.overruled', { time: clock(o.scannedAt), result: resultVerdict(o.serverResult) })),
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
        h('option', { value: '' }, choices.length ? t('scanner:setup.chooseEvent') : t('scanner:setup.searchFirst')),
        ...choices.map((e) =>
          h(
            'option',
            { value: e.id, selected: e.id === s.chosen },
            t('scanner:setup.eventOption', {
              event: e.title,
              time: localTime(e.startsAt.utc, e.startsAt.timeZone),
              venue: e.venue.name,
            }),
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
    (station) =>
      station &&
      void ($('#station-title').textContent = t('scanner:station.title', {
        event: station.title || t('scanner:station.eventFallback'),
        gate: station.gate,
      })),
  );
  store.view((s) => s.result, renderResult);
  store.view(
    (s) => s.camera,
    (camera) => {
      const button = $<HTMLButtonElement>('#camera-toggle');
      const video = $<HTMLVideoElement>('#camera');
      button.hidden = !camera.available;
      button.textContent = camera.state === 'on' ? t('scanner:station.cameraStop') : t('scanner:station.cameraStart');
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
