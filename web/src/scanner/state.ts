import { silent, type StatusLine } from '../lib/dom.js';
import { number, t } from '../lib/i18n.js';
import type { OfflineStore, ScanResult } from './offline.js';

/**
 * The door scanner's state and the actions that change it (see lib/store.ts): who is signed
 * in, the event and gate being set up, the station's last answer, the camera, and what the
 * offline store on this device holds.
 */

export interface EventChoice {
  id: string;
  title: string;
  startsAt: { utc: string; timeZone: string };
  venue: { name: string };
}

export interface ScanAnswer {
  result: ScanResult;
  ticket: { id: string; attendeeName: string | null } | null;
  seat: string | null;
  firstUsedAt: string | null;
  firstGate: string | null;
  /** Decided on this device, without the server; uploaded at the next sync. */
  offline?: boolean;
}

export interface Station {
  eventId: string;
  gate: string;
  title: string;
}

/** What the offline store holds, read after every change to it (see effects.ts). */
export interface OfflineFacts {
  online: boolean;
  bundle: { issuedAt: string; expiresAt: string; expired: boolean; revoked: number; inside: number } | null;
  pending: number;
}

export type SyncOutcome = Awaited<ReturnType<OfflineStore['sync']>>;

export interface ScannerState {
  account: 'loading' | 'signed_out' | 'signed_in';
  /** The line under the title: loading, checking a code, a refusal. */
  status: StatusLine;
  /** The events to choose from, in the order found; `chosen` is the selected one's id. */
  choices: EventChoice[];
  chosen: string;
  /** The gate this device scanned at last time, offered again. */
  rememberedGate: string;
  search: StatusLine;
  setup: StatusLine;
  /** The event and gate being scanned for, once set up. */
  station: Station | null;
  /** The last scan's answer; null shows "Ready". */
  result: ScanAnswer | null;
  camera: { state: 'off' | 'starting' | 'on'; available: boolean; decoder: string | null; note: string };
  offline: OfflineFacts | null;
  sync: StatusLine;
  /** The last sync's conflicts and corrections, listed under its status line. */
  report: SyncOutcome | null;
  syncing: boolean;
}

export const initialState: ScannerState = {
  account: 'loading',
  status: { kind: '', text: t('scanner:loading') },
  choices: [],
  chosen: '',
  rememberedGate: '',
  search: silent,
  setup: silent,
  station: null,
  result: null,
  camera: { state: 'off', available: true, decoder: null, note: '' },
  offline: null,
  sync: silent,
  report: null,
  syncing: false,
};

export const actions = {
  signedOut: (s: ScannerState): ScannerState => ({ ...s, account: 'signed_out', status: silent }),
  signedIn: (s: ScannerState, cameraAvailable: boolean): ScannerState => ({
    ...s,
    account: 'signed_in',
    status: silent,
    camera: {
      ...s.camera,
      available: cameraAvailable,
      note: cameraAvailable ? s.camera.note : t('scanner:station.noCamera'),
    },
  }),

  /** Events found (by search, or the organizer's own): added to the list, one of them selected. */
  choicesFound: (s: ScannerState, found: EventChoice[], select?: string): ScannerState => {
    const byId = new Map(s.choices.map((e) => [e.id, e]));
    for (const e of found) byId.set(e.id, e);
    return { ...s, choices: [...byId.values()], chosen: select ?? s.chosen };
  },
  eventChosen: (s: ScannerState, id: string): ScannerState => ({ ...s, chosen: id }),
  gateRemembered: (s: ScannerState, gate: string): ScannerState => ({ ...s, rememberedGate: gate }),
  searchStarted: (s: ScannerState): ScannerState => ({
    ...s,
    search: { kind: 'busy', text: t('scanner:setup.searching') },
  }),
  searchDone: (s: ScannerState, found: number): ScannerState => ({
    ...s,
    search: found
      ? { kind: 'ok', text: t('scanner:setup.found', { count: found, n: number(found) }) }
      : { kind: 'bad', text: t('scanner:setup.noMatch') },
  }),
  searchFailed: (s: ScannerState, message: string): ScannerState => ({ ...s, search: { kind: 'bad', text: message } }),

  setupRefused: (s: ScannerState, message: string): ScannerState => ({ ...s, setup: { kind: 'bad', text: message } }),
  downloadingBundle: (s: ScannerState): ScannerState => ({
    ...s,
    setup: { kind: 'busy', text: t('scanner:setup.downloading') },
  }),
  stationOpened: (s: ScannerState, station: Station): ScannerState => ({
    ...s,
    setup: silent,
    station,
    result: null,
  }),
  stationClosed: (s: ScannerState): ScannerState => ({
    ...s,
    station: null,
    camera: { ...s.camera, state: 'off' },
  }),

  checking: (s: ScannerState): ScannerState => ({
    ...s,
    status: { kind: 'busy', text: t('scanner:station.checking') },
  }),
  answered: (s: ScannerState, answer: ScanAnswer): ScannerState => ({ ...s, result: answer, status: silent }),
  scanRefused: (s: ScannerState, message: string): ScannerState => ({ ...s, status: { kind: 'bad', text: message } }),

  offlineChanged: (s: ScannerState, offline: OfflineFacts): ScannerState => ({ ...s, offline }),
  syncStarted: (s: ScannerState): ScannerState => ({
    ...s,
    syncing: true,
    sync: { kind: 'busy', text: t('scanner:sync.uploading') },
  }),
  synced: (s: ScannerState, outcome: SyncOutcome): ScannerState => {
    const { sent, conflicts, overruled, outsideWindow } = outcome;
    // Each its own sentence: how many were sent, how many the server disputed, how many were mistimed.
    const text = [
      t('scanner:sync.synced', { count: sent, n: number(sent) }),
      conflicts.length ? t('scanner:sync.conflicts', { count: conflicts.length, n: number(conflicts.length) }) : '',
      outsideWindow.length
        ? t('scanner:sync.outsideCount', { count: outsideWindow.length, n: number(outsideWindow.length) })
        : '',
    ]
      .filter(Boolean)
      .join(' ');
    const kind = conflicts.length || overruled.length || outsideWindow.length ? 'bad' : 'ok';
    return { ...s, sync: { kind, text }, report: outcome };
  },
  syncFailed: (s: ScannerState, message: string): ScannerState => ({ ...s, sync: { kind: 'bad', text: message } }),
  syncEnded: (s: ScannerState): ScannerState => ({ ...s, syncing: false }),
  bundleUpdated: (s: ScannerState): ScannerState => ({
    ...s,
    sync: { kind: 'ok', text: t('scanner:sync.bundleUpdated') },
  }),

  cameraStarting: (s: ScannerState): ScannerState => ({ ...s, camera: { ...s.camera, state: 'starting' } }),
  cameraStarted: (s: ScannerState, decoder: string): ScannerState => ({
    ...s,
    camera: { ...s.camera, state: 'on', decoder },
  }),
  cameraStopped: (s: ScannerState): ScannerState => ({ ...s, camera: { ...s.camera, state: 'off' } }),
  cameraFailed: (s: ScannerState, reason: string): ScannerState => ({
    ...s,
    camera: { ...s.camera, state: 'off', note: t('scanner:station.cameraFailed', { reason }) },
  }),
};
