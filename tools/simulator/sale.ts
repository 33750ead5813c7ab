import { drawReturnWindowSeconds } from '../../src/waitingroom/index.js';
import type { FaultOutcome } from './deployment.js';
import { ApiClient } from './http.js';
import type { DropPlan, Persona } from './plan.js';
import type { PrequeueFacts } from './report.js';
import { n, type DropRun } from './run.js';
import { openSale, type PreparedDrop } from './setup.js';
import type { Account, FromWorker } from './types.js';

/**
 * The sale's timeline, step by step. Open mode: the sale opens LEAD_MS after the fans are handed
 * out. Queue mode: the pre-queue opens at once, as a real one opens well before the sale; the
 * sale starts (and the lottery draws) only once every pre-queue fan has joined, however long the
 * joins take on this machine, and the late joiners come after the draw.
 */

/** Lead time between handing the fan processes their fans and the sale opening: they must be waiting. */
export const LEAD_MS = 2_000;
/** Queue mode: while the pre-queue fills, the sale start is parked this far ahead (then moved to when it has). */
const PREQUEUE_HORIZON_MS = 4 * 3_600_000;
/** Queue mode: the room opens on its first read once the pre-queue is due; it has this long. */
const ROOM_OPEN_TIMEOUT_MS = 30_000;
/** Queue mode: the draw (a scheduler tick after sale start, seconds for a large pre-queue) has this long. */
const DRAW_TIMEOUT_MS = 120_000;
/** Share of fans who arrive after the draw in queue mode: they test the FIFO half of the queue. */
const LATE_SHARE = 0.15;

/** When arrivals count from, when the sale opens, and when fans stop; the last two move in queue mode. */
export interface SaleClock {
  startAt: number;
  saleStartsAt: number;
  deadline: number;
}

/** Opens the sale (open mode) or the pre-queue (queue mode), and says when the fans start. */
export async function openForFans(run: DropRun, plan: DropPlan, prepared: PreparedDrop): Promise<SaleClock> {
  const { options, deployment } = run;
  const startAt = Date.now() + LEAD_MS;
  if (options.mode !== 'queue') {
    await openSale(deployment.urls, prepared, new Date(startAt));
    return { startAt, saleStartsAt: startAt, deadline: startAt + options.duration * 1000 };
  }
  lateJoiners(plan.personas, options.arrivalSeconds * 1000);
  await openSale(deployment.urls, prepared, new Date(Date.now() + PREQUEUE_HORIZON_MS));
  await waitForRoom(deployment.urls[0]!, prepared.target.eventId, ROOM_OPEN_TIMEOUT_MS);
  // Provisional: the `sale` message moves it to sale start + duration.
  return { startAt, saleStartsAt: startAt, deadline: startAt + PREQUEUE_HORIZON_MS + options.duration * 1000 };
}

type Done = Extract<FromWorker, { type: 'done' }>;

/** Deals the personas round-robin to the fan processes, each with its accounts; resolves with their final answers. */
export function handOutFans(
  run: DropRun,
  plan: DropPlan,
  prepared: PreparedDrop,
  accounts: Map<number, Account>,
  clock: SaleClock,
): Promise<Done>[] {
  const { processes } = run.crowd;
  const shares: Persona[][] = processes.map(() => []);
  plan.personas.forEach((p, i) => shares[i % processes.length]!.push(p));
  return processes.map((p, i) => {
    const answer = p.next('done');
    const mine: Record<number, Account> = {};
    for (const persona of shares[i]!) {
      const a = accounts.get(persona.account);
      if (a) mine[persona.account] = a;
    }
    p.send({
      type: 'run',
      target: prepared.target,
      personas: shares[i]!,
      accounts: mine,
      giftCards: prepared.giftCards,
      startAt: clock.startAt,
      deadline: clock.deadline,
    });
    return answer;
  });
}

/**
 * Queue mode: waits until every pre-queue fan's join has settled (capped at the arrival window
 * plus --duration), then opens the sale LEAD_MS later and moves the clock there.
 */
export async function awaitPrequeue(
  run: DropRun,
  plan: DropPlan,
  prepared: PreparedDrop,
  accounts: Map<number, Account>,
  clock: SaleClock,
): Promise<PrequeueFacts> {
  const { options, crowd, reporter } = run;
  // Fans of a thread that has no account never run: they do not count.
  const expected = plan.personas.filter((p) => !p.afterDraw && accounts.has(p.account)).length;
  const capAt = clock.startAt + (options.arrivalSeconds + options.duration) * 1000;
  const stopDisplay = run.timers.every(250, () => {
    const c = crowd.counters();
    const t = ((Date.now() - clock.startAt) / 1000).toFixed(1).padStart(6);
    reporter.progress(
      `[pre-queue ${t} s] arrived ${n(c.arrived)} · joined ${n(c.joined)} · settled ${n(c.queued)}/${n(expected)}`,
    );
  });
  const settledAll = await waitUntil(() => crowd.counters().queued >= expected, capAt);
  stopDisplay();
  const settled = crowd.counters();
  const prequeue: PrequeueFacts = {
    expected,
    settled: settled.queued,
    joined: settled.joined,
    seconds: Math.round((Date.now() - clock.startAt) / 100) / 10,
    capped: !settledAll,
  };
  const cap = settledAll ? '' : ' (capped at the arrival window + --duration)';
  reporter.info(
    `pre-queue: ${n(settled.joined)} joined, ${n(settled.queued)}/${n(expected)} settled after ${prequeue.seconds} s${cap}; the sale opens`,
  );
  clock.saleStartsAt = Date.now() + LEAD_MS;
  clock.deadline = clock.saleStartsAt + options.duration * 1000;
  await openSale(run.deployment.urls, prepared, new Date(clock.saleStartsAt));
  return prequeue;
}

/** The fault strikes once, --fault-at seconds into the sale; the drop goes on while it does its damage. */
export function scheduleFault(run: DropRun, clock: SaleClock): Promise<FaultOutcome | string> | null {
  const { options, deployment, reporter } = run;
  if (!options.fault || !deployment.faults) return null;
  const { fault } = options;
  const controls = deployment.faults;
  return new Promise<void>((r) => setTimeout(r, Math.max(0, clock.saleStartsAt + options.faultAt * 1000 - Date.now())))
    .then(() => {
      reporter.info(`\nfault: ${fault} at ${((Date.now() - clock.saleStartsAt) / 1000).toFixed(1)} s`);
      return controls.inject(fault);
    })
    .catch((err: unknown) => `the fault could not be injected: ${err instanceof Error ? err.message : String(err)}`);
}

/** Queue mode: waits for the draw, then tells the fan processes when it happened and the real deadline. */
export async function awaitDraw(
  run: DropRun,
  prepared: PreparedDrop,
  clock: SaleClock,
  prequeue: PrequeueFacts,
): Promise<number> {
  const { deployment, reporter, crowd } = run;
  // Late joiners arrive after the draw, relative to it.
  const drawnAt = await waitForDraw(deployment.urls[0]!, prepared.target.eventId, clock.saleStartsAt + DRAW_TIMEOUT_MS);
  reporter.info(`lottery drawn ${((drawnAt - clock.saleStartsAt) / 1000).toFixed(1)} s after the sale opened`);
  const returnWindowMs = drawReturnWindowSeconds(prequeue.settled) * 1000;
  for (const p of crowd.processes)
    p.send({ type: 'sale', saleStartsAt: clock.saleStartsAt, drawnAt, deadline: clock.deadline, returnWindowMs });
  return drawnAt;
}

/** Queue mode needs the waiting-room routes; a deployment without them is told so before any fan is registered. */
export async function requireWaitingRoom(url: string, eventId: string, token: string): Promise<void> {
  const api = new ApiClient(url, 1);
  try {
    const res = await api.call('GET', `/v1/events/${eventId}/queue/me`, undefined, { token });
    if (res.code === 'request.not_found') {
      throw new Error(
        `--mode queue: ${url} has no waiting-room routes (GET /v1/events/:id/queue/me answered request.not_found); run --mode open or a build with the waiting room`,
      );
    }
  } finally {
    api.close();
  }
}

/**
 * Queue mode: the crowd joins the pre-queue (a real one opens well before the sale); a fixed
 * share of the fans — every n-th, so the choice is seeded by the plan — come only after the
 * draw, spread over half an arrival window from it, and join a FIFO line behind everyone drawn.
 */
export function lateJoiners(personas: Persona[], windowMs: number): void {
  const every = Math.round(1 / LATE_SHARE);
  let k = 0;
  for (const p of personas) {
    if (p.kind !== 'fan' || p.index % every !== 3) continue;
    p.afterDraw = true;
    // Golden-ratio spacing: evenly spread, no extra random stream to keep in step with the plan.
    p.arrivalMs = 250 + ((k++ * 0.618_034) % 1) * windowMs * 0.5;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `done` until it holds (true) or `until` (epoch ms) passes (false). */
async function waitUntil(done: () => boolean, until: number, everyMs = 250): Promise<boolean> {
  while (!done()) {
    if (Date.now() >= until) return false;
    await sleep(everyMs);
  }
  return true;
}

interface LotteryWire {
  phase: string;
  drawnAt: number | null;
}

/** Polls the lottery's public record until `ready` accepts it; throws with `what` after `until`. */
async function pollLottery(
  url: string,
  eventId: string,
  until: number,
  what: string,
  ready: (l: LotteryWire) => boolean,
): Promise<LotteryWire> {
  const api = new ApiClient(url, 1);
  try {
    let last = 'no answer yet';
    while (Date.now() < until) {
      const res = await api.call<LotteryWire>('GET', `/v1/events/${eventId}/lottery`, undefined, { timeoutMs: 10_000 });
      if (res.status === 200 && ready(res.body)) return res.body;
      last = res.status === 200 ? `phase ${res.body.phase}` : `${res.status} ${res.code ?? ''}`;
      await sleep(250);
    }
    throw new Error(`${what}: the waiting room did not get there in time (last answer: ${last})`);
  } finally {
    api.close();
  }
}

/** The pre-queue is open (the room opens on its first read once it is due). */
async function waitForRoom(url: string, eventId: string, timeoutMs: number): Promise<void> {
  await pollLottery(url, eventId, Date.now() + timeoutMs, 'opening the pre-queue', (l) => l.phase === 'prequeue');
}

/** The draw's time, once the scheduler has drawn after sale start. */
async function waitForDraw(url: string, eventId: string, until: number): Promise<number> {
  const l = await pollLottery(url, eventId, until, 'the lottery draw', (r) => r.drawnAt !== null);
  return l.drawnAt!;
}
