import { api, ApiError } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import type { Me } from '../lib/layout.js';
import type { Store } from '../lib/store.js';
import { cameraScanningAvailable, startCamera, type Camera } from './camera.js';
import { BundleExpiredError, OfflineStore, ticketIdOf, type LocalAnswer } from './offline.js';
import type { actions, EventChoice, OfflineFacts, ScanAnswer, ScannerState } from './state.js';
import { clock } from './words.js';

/**
 * What the door scanner does beyond drawing itself. Online, POST /v1/checkin decides; without a
 * network (or when a request fails to leave) the downloaded bundle decides on this device and
 * the scan waits in the offline store until the connection is back. The offline store and the
 * camera are this module's handles; the state holds what they report.
 */

type ScannerStore = Store<ScannerState, typeof actions>;

const REMEMBERED = 'fairdrop.scanner.station';
const describe = (err: unknown, otherwise: string) => (err instanceof ApiError ? err.describe() : otherwise);

function factsOf(offline: OfflineStore): OfflineFacts {
  const signed = offline.bundle();
  return {
    online: navigator.onLine,
    bundle: signed && {
      issuedAt: signed.issuedAt,
      expiresAt: signed.window.expiresAt,
      expired: Date.now() > Date.parse(signed.window.expiresAt),
      revoked: signed.bundle.revocations.length,
      inside: signed.admitted.length,
    },
    pending: offline.queue().length,
  };
}

/** A short buzz for a welcome, a double one for a refusal, where the device vibrates. */
const buzz = (answer: ScanAnswer) => navigator.vibrate?.(answer.result === 'admitted' ? 120 : [120, 60, 120]);

export function doorEffects(store: ScannerStore) {
  const { actions } = store;
  let offline: OfflineStore | null = null;
  let camera: Camera | null = null;
  const offlineSeen = () => offline && actions.offlineChanged(factsOf(offline));
  const show = (answer: ScanAnswer) => {
    actions.answered(answer);
    buzz(answer);
  };

  async function searchEvents(q: string): Promise<void> {
    actions.searchStarted();
    try {
      const { events } = await api<{ events: EventChoice[] }>(
        'GET',
        `/v1/events?sort=date&limit=20${q ? `&q=${encodeURIComponent(q)}` : ''}`,
      );
      actions.choicesFound(events, events[0]?.id);
      actions.searchDone(events.length);
    } catch (err) {
      actions.searchFailed(describe(err, t('scanner:network')));
    }
  }

  /** Opens the station once this device holds the event's bundle; false when it could not. */
  async function openStation(eventId: string, gate: string): Promise<boolean> {
    actions.downloadingBundle();
    const candidate = new OfflineStore(eventId);
    try {
      // The download also proves this account may scan here (403 names the reason), and keeps the door open through an outage.
      await candidate.download();
    } catch (err) {
      const refusal =
        err instanceof ApiError ? err.describe() : candidate.bundle() ? null : t('scanner:setup.noBundle');
      if (refusal) {
        actions.setupRefused(refusal);
        return false;
      }
    }
    const title = store.state.choices.find((e) => e.id === eventId)?.title ?? '';
    localStorage.setItem(REMEMBERED, JSON.stringify({ eventId, gate, title }));
    offline = candidate;
    actions.stationOpened({ eventId, gate, title });
    offlineSeen();
    if (navigator.onLine && candidate.queue().length) void sync();
    return true;
  }

  function closeStation(): void {
    camera?.stop();
    camera = null;
    actions.stationClosed();
  }

  async function scan(code: string): Promise<void> {
    const station = store.state.station;
    const s = offline;
    if (!s || !station || !code.trim()) return;
    actions.checking();
    try {
      if (!navigator.onLine) throw new TypeError('offline');
      const answer = await api<ScanAnswer>('POST', '/v1/checkin', {
        code: code.trim(),
        gate: station.gate,
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
      show(answer);
    } catch (err) {
      if (err instanceof ApiError) return actions.scanRefused(err.describe());
      if (!s.bundle()) return actions.scanRefused(t('scanner:station.noBundle'));
      let local: LocalAnswer;
      try {
        local = await s.decide(code, station.gate);
      } catch (expired) {
        if (!(expired instanceof BundleExpiredError)) throw expired;
        return actions.scanRefused(t('scanner:station.bundleExpired', { time: clock(expired.expiresAt) }));
      }
      show({ ...local, ticket: null, offline: true });
      offlineSeen();
    }
  }

  async function sync(): Promise<void> {
    if (!offline || store.state.syncing) return;
    const s = offline;
    actions.syncStarted();
    try {
      actions.synced(await s.sync());
      offlineSeen(); // the queue count goes with the report, not after the download below
      await s.download().catch(() => undefined); // fresh revocations and admissions from other gates
    } catch (err) {
      actions.syncFailed(describe(err, t('scanner:sync.stillOffline')));
    } finally {
      actions.syncEnded();
      offlineSeen();
    }
  }

  async function downloadAgain(): Promise<void> {
    if (!offline) return;
    try {
      await offline.download();
      actions.bundleUpdated();
    } catch (err) {
      actions.syncFailed(describe(err, t('scanner:sync.keepBundle')));
    }
    offlineSeen();
  }

  async function toggleCamera(video: HTMLVideoElement): Promise<void> {
    if (camera) {
      camera.stop();
      camera = null;
      return actions.cameraStopped();
    }
    try {
      actions.cameraStarting(); // the video shows before it starts
      camera = await startCamera(video, scan);
      actions.cameraStarted(camera.decoder);
    } catch (err) {
      actions.cameraFailed(err instanceof Error ? err.message : t('scanner:station.refused'));
    }
  }

  /** The events this account may scan: the organizer's own, and the one the link or this device remembers. */
  async function start(me: Me | null): Promise<void> {
    if (!me) return actions.signedOut();
    actions.signedIn(cameraScanningAvailable());
    const remembered = JSON.parse(localStorage.getItem(REMEMBERED) ?? 'null') as {
      eventId: string;
      gate: string;
    } | null;
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
    // The events this account is door staff of, soonest first: the usual choice at a door.
    const staffOf = await api<{ events: EventChoice[] }>('GET', '/v1/checkin/events').then(
      (r) => r.events,
      () => [],
    );
    const mine = [...staffOf, ...organized];
    const named =
      wanted && !mine.some((e) => e.id === wanted)
        ? await api<EventChoice>('GET', `/v1/events/${encodeURIComponent(wanted)}`).catch(() => null)
        : null;
    actions.choicesFound([...(named ? [named] : []), ...mine], wanted ?? mine[0]?.id);
    if (remembered?.gate) actions.gateRemembered(remembered.gate);
  }

  return { searchEvents, openStation, closeStation, scan, sync, downloadAgain, toggleCamera, start, offlineSeen };
}
