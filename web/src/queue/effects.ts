import { io, type Socket } from 'socket.io-client';
import type {
  QueueClientToServer,
  QueueServerToClient,
  QueueSnapshot,
  QueueStatusPush,
} from '../../../src/realtime/events.js';
import { presaleEventInfo } from '../presales/queue-presale.js';
import { api, ApiError, session } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { currentUser, type Me } from '../lib/layout.js';
import { solve } from '../lib/pow.js';
import type { Store } from '../lib/store.js';
import type { actions, EventInfo, Lottery, QueueState } from './state.js';

/** What the waiting room does beyond drawing itself: the API, the socket, the clock, the chime. */

type QueueStore = Store<QueueState, typeof actions>;

const describe = (err: unknown, network: string) => (err instanceof ApiError ? err.describe() : network);

export async function loadEvent(store: QueueStore): Promise<void> {
  const { eventId } = store.state;
  // A presale window's room: its id is the room, the event is named beside it.
  const presaleOf = new URLSearchParams(location.search).get('presale');
  store.actions.eventLoaded(
    presaleOf
      ? await presaleEventInfo(eventId, presaleOf)
      : await api<EventInfo>('GET', `/v1/events/${encodeURIComponent(eventId)}`),
  );
}

/**
 * Pages that hear of a change in the room (drawn, paused, sold out…) read the sale's phase
 * again, each at a moment of its own: one second per this many fans in the room, so a big
 * crowd does not ask at once (the event's answer is one shared copy a second per node).
 */
const EVENT_READS_PER_S = 2_000;
const EVENT_SPREAD_MAX_MS = 30_000;
function refreshEventSoon(store: QueueStore): void {
  const lottery = store.state.lottery;
  const crowd = lottery && lottery !== 'unpublished' ? lottery.prequeueSize : 0;
  const spreadMs = Math.min(EVENT_SPREAD_MAX_MS, (crowd / EVENT_READS_PER_S) * 1000);
  setTimeout(
    () =>
      void loadEvent(store)
        .then(() => untilDrawShown(store))
        .catch(() => undefined),
    Math.random() * spreadMs,
  );
}

/**
 * The event's phase comes from a copy a node shares for up to a second, which may predate the
 * draw the socket has just told of: while the room is past its draw and the event still says
 * "drawing", ask again.
 */
function untilDrawShown(store: QueueStore): Promise<void> {
  return askAgainWhile(
    () => {
      const { event, snapshot } = store.state;
      return event?.phase === 'drawing' && !!snapshot && snapshot.phase !== 'prequeue' && snapshot.phase !== 'drawing';
    },
    () => loadEvent(store),
  );
}

/** While `stale()`, reloads a little over a node's one-second shared copy later, a few times at most. */
async function askAgainWhile(stale: () => boolean, reload: () => Promise<void>, attempts = 5): Promise<void> {
  for (let i = 0; i < attempts && stale(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 600 + Math.random() * 400));
    await reload();
  }
}

export async function loadLottery(store: QueueStore): Promise<void> {
  try {
    store.actions.lotteryLoaded(await api<Lottery>('GET', `/v1/events/${store.state.eventId}/lottery`));
  } catch {
    store.actions.lotteryUnpublished();
  }
}

/**
 * After the draw the record must show the seed, but a node answers from a copy shared for half
 * a second, which may predate the draw: ask again, a little over that later, until it does.
 */
function untilSeedShown(store: QueueStore): Promise<void> {
  return askAgainWhile(
    () => {
      const lottery = store.state.lottery;
      return !!lottery && lottery !== 'unpublished' && lottery.seed === null;
    },
    () => loadLottery(store),
  );
}

/** Only an unconfirmed account asks whether this room wants a confirmed address: the crowd does not pay for it. */
export function checkConfirmedEmail(store: QueueStore, me: Me): void {
  if (me.emailVerified) return;
  void api<{ requireVerifiedEmail?: boolean }>('GET', `/v1/events/${encodeURIComponent(store.state.eventId)}/onsale`)
    .then((onsale) => onsale.requireVerifiedEmail && store.actions.verifyFirstNeeded(me))
    .catch(() => undefined);
}

export async function join(store: QueueStore): Promise<void> {
  const { eventId } = store.state;
  store.actions.joinStarted();
  try {
    const challenge = await api<{ challenge: string; difficulty: number }>(
      'GET',
      `/v1/events/${eventId}/queue/challenge`,
    ).catch(() => null);
    let body = {};
    if (challenge && challenge.difficulty > 0) {
      store.actions.provingWork();
      body = { challenge: challenge.challenge, nonce: await solve(challenge.challenge, challenge.difficulty) };
    }
    await api('POST', `/v1/events/${eventId}/queue`, body);
    store.actions.joined();
    store.actions.snapshotReceived(await api<QueueSnapshot>('GET', `/v1/events/${eventId}/queue/me`));
    void loadLottery(store);
  } catch (err) {
    if (err instanceof ApiError && err.problem.code === 'queue.email_unverified') {
      const me = await currentUser();
      if (me) return store.actions.verifyFirstNeeded(me);
    }
    store.actions.joinFailed(describe(err, t('queue:join.network')));
  }
}

/** The clock the countdowns read, ticking on each second boundary. */
export function startClock(store: QueueStore): void {
  const tick = () => {
    store.actions.tick(Date.now());
    setTimeout(tick, 1000 - (Date.now() % 1000));
  };
  tick();
}

/** "Your turn" must be unmistakable: the title flashes, a chime (unless muted), a vibration where supported. */
function turnAlert(): (muted: boolean) => void {
  let flashing: ReturnType<typeof setInterval> | undefined;
  return (muted) => {
    const original = document.title;
    let on = false;
    clearInterval(flashing);
    flashing = setInterval(() => {
      on = !on;
      document.title = on ? t('queue:turn.alertTitle') : original;
    }, 800);
    window.addEventListener(
      'focus',
      () => {
        clearInterval(flashing);
        document.title = original;
      },
      { once: true },
    );
    navigator.vibrate?.([300, 150, 300]);
    if (!muted) chime();
  };
}

function chime(): void {
  try {
    const ctx = new AudioContext();
    for (const [i, freq] of [660, 880, 990].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.2, ctx.currentTime + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + i * 0.18 + 0.3);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + i * 0.18);
      osc.stop(ctx.currentTime + i * 0.18 + 0.3);
    }
  } catch {
    // No audio (autoplay rules): the title and the page still say it.
  }
}

/**
 * Follows the room over socket.io: a snapshot on every (re)connect, pushes between. The pass is
 * kept in sessionStorage, where the event page finds it to hold seats.
 */
export function connectSocket(store: QueueStore): void {
  const { eventId } = store.state;
  const { actions } = store;
  const alert = turnAlert();
  const yourTurn = (pass: { token: string; expiresAt: number }) => {
    sessionStorage.setItem(`fairdrop.token.${eventId}`, JSON.stringify(pass));
    alert(store.state.muted);
  };
  const socket: Socket<QueueServerToClient, QueueClientToServer> = io('/queue', {
    auth: { token: session.token() },
    transports: ['websocket', 'polling'],
  });
  const watch = async () => {
    const answer = await socket.emitWithAck('watch', { eventId });
    if (!answer.ok) return;
    const fresh = answer.snapshot;
    if (fresh.token && fresh.tokenExpiresAt && fresh.status === 'admitted')
      yourTurn({ token: fresh.token, expiresAt: fresh.tokenExpiresAt });
    actions.snapshotReceived(fresh);
  };
  const mine = (push: { eventId: string }) => push.eventId === eventId;

  socket.on('connect', () => {
    actions.connectionChanged('live');
    void watch();
  });
  socket.on('disconnect', (reason) => {
    actions.connectionChanged('reconnecting');
    // The server ends the socket when the account changes (roles, a confirmed address) or its
    // sign-in ends: connect again, with the session as it is now (a signed-out one is refused).
    if (reason === 'io server disconnect') socket.connect();
  });
  socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    if (err.data?.code?.startsWith('auth.')) actions.connectionChanged('signed_out');
  });
  socket.on('cursor', (push) => mine(push) && actions.cursorMoved(push));
  socket.on('admitted', (push) => {
    if (!mine(push) || !store.state.snapshot) return;
    yourTurn(push);
    actions.admitted(push);
  });
  const status = (phase?: 'paused' | 'closed', soldOut?: boolean) => (push: QueueStatusPush) => {
    if (!mine(push)) return;
    actions.phaseChanged(phase ?? push.phase, soldOut ?? push.soldOut);
    refreshEventSoon(store);
  };
  socket.on('soldout', status(undefined, true));
  socket.on('available', status(undefined, false));
  socket.on('paused', status('paused'));
  socket.on('resumed', status());
  socket.on('closed', status('closed'));
  socket.on('drawn', (push) => {
    if (!mine(push)) return;
    void loadLottery(store).then(() => {
      void watch();
      return untilSeedShown(store);
    });
    refreshEventSoon(store);
  });
}

/**
 * A page that lost its socket for good still shows the current state. Every 15 s at most (the
 * socket is the main path), and never sooner than the server's pollAfter: it stretches to a
 * minute for a fan far back or when nothing will change.
 */
const POLL_FLOOR_S = 15;
export function pollAsFallback(store: QueueStore): void {
  const poll = async () => {
    let waitS = POLL_FLOOR_S;
    try {
      if (document.visibilityState === 'visible') {
        const fresh = await api<QueueSnapshot & { pollAfter?: number }>(
          'GET',
          `/v1/events/${store.state.eventId}/queue/me`,
        );
        waitS = Math.max(POLL_FLOOR_S, fresh.pollAfter ?? 0);
        const before = store.state.snapshot;
        // The room moved on (drawn, paused, sold out…) without the socket telling: so may the sale's phase.
        if (before && (before.phase !== fresh.phase || before.soldOut !== fresh.soldOut)) refreshEventSoon(store);
        store.actions.snapshotPolled(fresh);
      }
    } catch {
      // the socket path is the main one; this is only the fallback
    }
    setTimeout(() => void poll(), waitS * 1000);
  };
  setTimeout(() => void poll(), POLL_FLOOR_S * 1000);
}
