import { io, type Socket } from 'socket.io-client';
import type {
  QueueAdmittedPush,
  QueueClientToServer,
  QueueCursorPush,
  QueueServerToClient,
  QueueSnapshot,
  QueueStatusPush,
} from '../../../src/realtime/events.js';
import { api, ApiError, session } from '../lib/api.js';
import { $, setStatus } from '../lib/dom.js';
import { currentUser, localTime, renderHeader, type Me } from '../lib/layout.js';
import { solve } from '../lib/pow.js';
import { verifyFirstNotice } from '../lib/verify-first.js';

/**
 * The waiting room: where the fan stands, what happens next, what is guaranteed. State comes
 * from the server (snapshot on every (re)connect), so a reload or a second tab shows the same.
 */

interface EventInfo {
  id: string;
  title: string;
  startsAt: { utc: string; timeZone: string };
  availability: { state: string; queueOpensAt: string | null; onSaleAt: string | null };
}
interface Lottery {
  commitment: string;
  prequeueSize: number;
  drawSize: number | null;
  seed: string | null;
}

const eventId = new URLSearchParams(location.search).get('event') ?? '';
const tokenKey = `fairdrop.token.${eventId}`;
const steps = ['prequeue', 'draw', 'number', 'admitted', 'held', 'paid', 'guaranteed'] as const;
type Step = (typeof steps)[number];

let event: EventInfo | undefined;
let snapshot: QueueSnapshot | undefined;
let drawSize: number | null = null;
let lastAnnounced = 0;
let muted = localStorage.getItem('fairdrop.muted') === '1';
let titleTimer: ReturnType<typeof setInterval> | undefined;

function markStep(current: Step): void {
  const index = steps.indexOf(current);
  for (const [i, step] of steps.entries()) {
    const li = $(`#step-${step}`);
    li.classList.toggle('done', i < index);
    li.classList.toggle('current', i === index);
    if (i === index) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
  }
}

function countdown(el: HTMLElement, until: number, prefix: string): void {
  const tick = () => {
    const left = until - Date.now();
    if (left <= 0) {
      el.textContent = `${prefix} now`;
      return;
    }
    const hours = Math.floor(left / 3_600_000);
    const minutes = Math.floor((left % 3_600_000) / 60_000);
    const seconds = Math.floor((left % 60_000) / 1000);
    el.textContent = `${prefix} in ${hours ? `${hours} h ` : ''}${minutes} min ${String(seconds).padStart(2, '0')} s`;
    setTimeout(tick, 1000 - (Date.now() % 1000));
  };
  tick();
}

const fmt = (n: number) => n.toLocaleString();
const eta = (seconds: number | null) =>
  seconds === null ? 'unknown yet' : seconds < 60 ? 'under a minute' : `about ${Math.round(seconds / 60)} min`;

function render(): void {
  const s = snapshot;
  const panel = $('#where');
  const detail = $('#detail');
  $('#join').hidden = !!s?.joined || s?.phase === 'closed';
  $('#admitted').hidden = s?.status !== 'admitted' && s?.status !== 'purchasing';
  $('#progress-wrap').hidden = true;
  if (!s) return;
  if (s.soldOut) {
    setStatus(
      panel,
      'bad',
      'Sold out. Every ticket is taken or being paid for; if some come back, admission resumes and this page tells you.',
    );
  } else if (s.phase === 'closed') {
    setStatus(panel, 'bad', 'This waiting room is closed.');
  } else if (s.phase === 'paused') {
    setStatus(panel, '', 'Paused by the organizer. You keep your place; admission continues when they resume.');
  }
  if (!s.joined) {
    markStep('prequeue');
    if (!s.soldOut && s.phase !== 'closed' && s.phase !== 'paused')
      setStatus(panel, '', 'You are not in this waiting room yet.');
    detail.textContent =
      s.phase === 'prequeue'
        ? 'Everyone who joins before the sale starts gets the same chance in the draw.'
        : 'The draw is done: joining now puts you after everyone who was in the draw, in order of arrival.';
    return;
  }
  if (s.ticketNumber === null) {
    markStep(s.phase === 'drawing' ? 'draw' : 'prequeue');
    if (!s.soldOut && s.phase !== 'paused')
      setStatus(
        panel,
        'ok',
        s.phase === 'drawing'
          ? 'The draw is running…'
          : 'You are in. When the sale starts, the draw gives you a number.',
      );
    detail.textContent = `Entry ${s.entryId}. Arriving early does not help and refreshing does not help: every entry before the start has the same chance.`;
    return;
  }
  if (s.status === 'admitted' || s.status === 'purchasing') {
    markStep('admitted');
    setStatus(panel, 'ok', "It's your turn! Choose your seats before your pass expires.");
    detail.textContent = `Your number ${fmt(s.ticketNumber)} came up. Seats are not yours until you hold them and pay; the pass lets you try again if a seat is taken.`;
    if (event) $('#when').textContent = `Event: ${localTime(event.startsAt.utc, event.startsAt.timeZone)}`;
    return;
  }
  markStep('number');
  const ahead = Math.max(0, (s.position ?? 0) - 1);
  if (!s.soldOut && s.phase !== 'paused') {
    setStatus(
      panel,
      'ok',
      `Your number is ${fmt(s.ticketNumber)}${drawSize ? ` of ${fmt(drawSize)} in the draw` : ''}. ${fmt(ahead)} ${ahead === 1 ? 'person is' : 'people are'} ahead of you.`,
    );
  }
  detail.textContent = `Estimated wait: ${eta(s.eta)}. Numbers are served in order; nobody can skip ahead.`;
  const wrap = $('#progress-wrap');
  wrap.hidden = false;
  const bar = $<HTMLProgressElement>('#progress');
  bar.max = Math.max(1, s.ticketNumber);
  bar.value = Math.min(s.cursor, s.ticketNumber);
  // The polite live region speaks at most every 30 s (not every tick).
  if (Date.now() - lastAnnounced > 30_000) {
    lastAnnounced = Date.now();
    $('#announce').textContent = `${fmt(ahead)} ahead of you, estimated wait ${eta(s.eta)}.`;
  }
}

function alertAdmitted(push: { token: string; expiresAt: number }): void {
  sessionStorage.setItem(tokenKey, JSON.stringify(push));
  $<HTMLAnchorElement>('#choose-seats').href = `/event.html?id=${eventId}`;
  const until = $('#token-countdown');
  countdown(until, push.expiresAt, 'Your pass expires');
  // Unmistakable: title flash, a chime (mutable), a vibration where supported.
  const original = document.title;
  let on = false;
  clearInterval(titleTimer);
  titleTimer = setInterval(() => {
    on = !on;
    document.title = on ? "🔔 It's your turn!" : original;
  }, 800);
  window.addEventListener(
    'focus',
    () => {
      clearInterval(titleTimer);
      document.title = original;
    },
    { once: true },
  );
  navigator.vibrate?.([300, 150, 300]);
  if (!muted) chime();
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

async function loadLottery(): Promise<void> {
  try {
    const lottery = await api<Lottery>('GET', `/v1/events/${eventId}/lottery`);
    drawSize = lottery.drawSize;
    $('#commitment').textContent = lottery.commitment;
    $('#seed').textContent = lottery.seed ?? 'revealed after the draw';
    $('#entrants').textContent = fmt(lottery.prequeueSize);
  } catch {
    $('#commitment').textContent = 'published when the waiting room opens';
  }
}

function connect(): void {
  const socket: Socket<QueueServerToClient, QueueClientToServer> = io('/queue', {
    auth: { token: session.token() },
    transports: ['websocket', 'polling'],
  });
  const conn = $('#connection');
  const watch = async () => {
    const answer = await socket.emitWithAck('watch', { eventId });
    if (answer.ok) {
      const fresh = answer.snapshot;
      snapshot = fresh;
      if (fresh.token && fresh.tokenExpiresAt && fresh.status === 'admitted')
        alertAdmitted({ token: fresh.token, expiresAt: fresh.tokenExpiresAt });
      render();
    }
  };
  socket.on('connect', () => {
    conn.textContent = 'Live';
    conn.className = 'conn live';
    void watch();
  });
  socket.on('disconnect', (reason) => {
    conn.textContent = 'Reconnecting… you keep your place';
    conn.className = 'conn reconnecting';
    // The server ends the socket when the account changes (roles, a confirmed address) or its
    // sign-in ends: connect again, with the session as it is now (a signed-out one is refused).
    if (reason === 'io server disconnect') socket.connect();
  });
  socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    if (!err.data?.code?.startsWith('auth.')) return;
    conn.textContent = 'Signed out: sign in again to keep your place';
    conn.className = 'conn reconnecting';
  });
  socket.on('cursor', (push: QueueCursorPush) => {
    if (!snapshot || push.eventId !== eventId) return;
    snapshot.cursor = push.cursor;
    snapshot.phase = push.phase;
    snapshot.soldOut = push.soldOut;
    if (snapshot.ticketNumber !== null) {
      snapshot.position = Math.max(0, snapshot.ticketNumber - push.cursor);
      snapshot.eta = push.ratePerMinute > 0 ? Math.round((snapshot.position / push.ratePerMinute) * 60) : null;
    }
    render();
  });
  socket.on('admitted', (push: QueueAdmittedPush) => {
    if (push.eventId !== eventId || !snapshot) return;
    snapshot.status = 'admitted';
    snapshot.token = push.token;
    snapshot.tokenExpiresAt = push.expiresAt;
    alertAdmitted(push);
    render();
  });
  const status = (phase: QueueSnapshot['phase'] | null, soldOut?: boolean) => (push: QueueStatusPush) => {
    if (!snapshot || push.eventId !== eventId) return;
    snapshot.phase = phase ?? push.phase;
    snapshot.soldOut = soldOut ?? push.soldOut;
    render();
  };
  socket.on('soldout', status(null, true));
  socket.on('available', status(null, false));
  socket.on('paused', status('paused'));
  socket.on('resumed', status(null));
  socket.on('closed', status('closed'));
  socket.on('drawn', () => {
    void loadLottery().then(watch);
  });
}

/** An unconfirmed account cannot join a room that asks for a confirmed address: say so, and offer the link again. */
function verifyFirst(me: Me): void {
  const slot = $('#verify-first');
  if (!slot.hidden) return;
  slot.replaceChildren(verifyFirstNotice(me, 'join this waiting room'));
  slot.hidden = false;
  $<HTMLButtonElement>('#join-button').disabled = true;
}

$('#join-button').addEventListener('click', async () => {
  const status = $('#join-status');
  setStatus(status, 'busy', 'Joining…');
  try {
    const challenge = await api<{ challenge: string; difficulty: number }>(
      'GET',
      `/v1/events/${eventId}/queue/challenge`,
    ).catch(() => null);
    let body = {};
    if (challenge && challenge.difficulty > 0) {
      setStatus(status, 'busy', 'Proving you are a person (a few seconds of work for your device)…');
      body = { challenge: challenge.challenge, nonce: await solve(challenge.challenge, challenge.difficulty) };
    }
    await api('POST', `/v1/events/${eventId}/queue`, body);
    setStatus(status, 'ok', 'You are in.');
    snapshot = await api<QueueSnapshot>('GET', `/v1/events/${eventId}/queue/me`);
    render();
    void loadLottery();
  } catch (err) {
    if (err instanceof ApiError && err.problem.code === 'queue.email_unverified') {
      setStatus(status, '', '');
      const me = await currentUser();
      if (me) return verifyFirst(me);
    }
    setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'Network error; try again.');
  }
});

$('#mute').addEventListener('click', () => {
  muted = !muted;
  localStorage.setItem('fairdrop.muted', muted ? '1' : '0');
  $('#mute').textContent = muted ? 'Sound off' : 'Sound on';
  $('#mute').setAttribute('aria-pressed', String(!muted));
});
$('#mute').textContent = muted ? 'Sound off' : 'Sound on';
$('#mute').setAttribute('aria-pressed', String(!muted));

void renderHeader();
const me = await currentUser();
if (!me) {
  location.href = `/account.html`;
} else {
  // Only an unconfirmed account asks whether this room wants a confirmed address: the crowd does not pay for it.
  if (!me.emailVerified)
    void api<{ requireVerifiedEmail?: boolean }>('GET', `/v1/events/${encodeURIComponent(eventId)}/onsale`)
      .then((onsale) => onsale.requireVerifiedEmail && verifyFirst(me))
      .catch(() => undefined);
  try {
    event = await api<EventInfo>('GET', `/v1/events/${encodeURIComponent(eventId)}`);
    $('#title').textContent = event.title;
    document.title = `Waiting room: ${event.title} — Fairdrop`;
    const when = $('#when');
    $('#event-link').setAttribute('href', `/event.html?id=${eventId}`);
    const opens = event.availability.queueOpensAt ? Date.parse(event.availability.queueOpensAt) : null;
    const sale = event.availability.onSaleAt ? Date.parse(event.availability.onSaleAt) : null;
    if (opens && opens > Date.now()) countdown(when, opens, 'The waiting room opens');
    else if (sale && sale > Date.now()) countdown(when, sale, 'The draw happens');
    else when.textContent = `Event: ${localTime(event.startsAt.utc, event.startsAt.timeZone)}`;
    $('#verify-link').setAttribute('href', `/v1/events/${eventId}/lottery`);
    await loadLottery();
    connect();
  } catch (err) {
    setStatus($('#where'), 'bad', err instanceof ApiError ? err.describe() : 'Network error.');
  }
}
// A page that lost its socket for good still shows the current state. Every 15 s at most (the
// socket is the main path), and never sooner than the server's pollAfter: it stretches to a
// minute for a fan far back or when nothing will change.
const POLL_FLOOR_S = 15;
async function poll(): Promise<void> {
  let waitS = POLL_FLOOR_S;
  try {
    if (document.visibilityState === 'visible') {
      const fresh = await api<QueueSnapshot & { pollAfter?: number }>('GET', `/v1/events/${eventId}/queue/me`);
      waitS = Math.max(POLL_FLOOR_S, fresh.pollAfter ?? 0);
      if (!snapshot || fresh.cursor !== snapshot.cursor || fresh.status !== snapshot.status) {
        snapshot = fresh;
        render();
      }
    }
  } catch {
    // the socket path is the main one; this is only the fallback
  }
  setTimeout(() => void poll(), waitS * 1000);
}
setTimeout(() => void poll(), POLL_FLOOR_S * 1000);
