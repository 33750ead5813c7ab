import { Redis } from 'ioredis';
import { createKeys } from '../../queue/keys.js';
import { ApiClient } from './http.js';
import type { DropPlan } from './plan.js';
import type { Sample } from './report.js';
import { n, type DropRun } from './run.js';
import type { SaleClock } from './sale.js';
import type { Counters, DropTarget } from './types.js';
import type { DropOptions } from './options.js';

/**
 * While the sale runs: a live line on the terminal, and the server-side timeline for the report
 * (every second: fans active from the fan processes' counters; what a fan is shown, remaining
 * places, from the API; in queue mode the waiting room's figures straight from Redis).
 */

export interface SaleWatch {
  timeline: Sample[];
  /** Queue mode on a deployment whose Redis is known: its connection and the event's keys (the audit reads them too). */
  queue: { redis: Redis; keys: ReturnType<ReturnType<typeof createKeys>['queue']> } | null;
  /**
   * Stops sampling and the display (the queue connection stays open for the audit), and prints
   * the live line once more with the crowd's final counters, so the last figures shown are exact.
   */
  stop(final: Counters): void;
}

export function watchSale(run: DropRun, plan: DropPlan, target: DropTarget, clock: SaleClock): SaleWatch {
  const { options, deployment } = run;
  const timeline: Sample[] = [];
  const probe = new ApiClient(deployment.urls[0]!, 2);
  const queue =
    options.mode === 'queue' && deployment.redis
      ? { redis: new Redis(deployment.redis.url), keys: createKeys(deployment.redis.prefix).queue(target.eventId) }
      : null;
  // A restart-redis fault drops this connection too; it reconnects, the sampler skips a beat.
  queue?.redis.on('error', () => undefined);
  const state = { remaining: null as number | null, sampling: false };

  const stopSampler = run.timers.every(1_000, () => {
    timeline.push({
      t: (Date.now() - clock.saleStartsAt) / 1000,
      remaining: null,
      queueWaiting: null,
      queueAdmitted: null,
      active: run.crowd.counters().active,
    });
    if (state.sampling) return; // a slow answer under load must not pile up probes
    state.sampling = true;
    void sampleServer(run, probe, target, queue, state, (Date.now() - clock.saleStartsAt) / 1000)
      .then((sample) => timeline.push(sample))
      .catch(() => undefined)
      .finally(() => (state.sampling = false));
  });
  const stopDisplay = run.timers.every(250, () =>
    run.reporter.progress(liveLine(run.options, run.crowd.counters(), plan, target, clock, state)),
  );
  return {
    timeline,
    queue,
    stop: (final) => {
      stopSampler();
      stopDisplay();
      probe.close();
      run.reporter.info(`final: ${liveLine(run.options, final, plan, target, clock, state)}`);
    },
  };
}

/** One server-side sample at `t` seconds: what a fan is shown, and the waiting room's counts in queue mode. */
async function sampleServer(
  { options }: DropRun,
  probe: ApiClient,
  target: DropTarget,
  queue: SaleWatch['queue'],
  state: { remaining: number | null },
  t: number,
): Promise<Sample> {
  // The event page's availability (open mode), the waiting room's public figures (queue mode;
  // the event page carries a seat map of up to ~1 MB).
  if (options.mode === 'queue') {
    const stats = await probe.call<{ remaining?: number }>('GET', `/v1/events/${target.eventId}/queue/stats`);
    if (stats.status === 200 && typeof stats.body.remaining === 'number') state.remaining = stats.body.remaining;
  } else {
    const page = await probe.call<{ availability?: { remaining: number } }>('GET', `/v1/events/${target.eventId}`);
    if (page.status === 200 && page.body.availability) state.remaining = page.body.availability.remaining;
  }
  let queueWaiting: number | null = null;
  let queueAdmitted: number | null = null;
  if (queue) {
    const [cursor] = await queue.redis.hmget(queue.keys.meta, 'cursor');
    const entrants = await queue.redis.hlen(queue.keys.accounts);
    queueAdmitted = Number(cursor ?? 0);
    queueWaiting = Math.max(0, entrants - queueAdmitted);
  }
  return { t, remaining: state.remaining, queueWaiting, queueAdmitted, active: null };
}

/**
 * The live status: where the crowd is, what it bought, and what it was told. "Told sold out"
 * (fans who ended so) and declines are outcomes of a sale; "errors" are answers the product
 * should not give (refusals.ts tells them apart).
 */
function liveLine(
  options: DropOptions,
  c: Counters,
  plan: DropPlan,
  target: DropTarget,
  clock: SaleClock,
  state: { remaining: number | null },
): string {
  const t = ((Date.now() - clock.saleStartsAt) / 1000).toFixed(1);
  const queue =
    options.mode === 'queue' ? ` · joined ${n(c.joined)} · admitted ${n(c.admitted)} · polls ${n(c.polls)}` : '';
  const places = target.tiers.reserved.capacity + target.tiers.ga.capacity;
  return (
    `[${t.padStart(6)} s] arrived ${n(c.arrived)}/${n(plan.personas.length)} · active ${n(c.active)}${queue} · holds ${n(c.holds)} · ` +
    `tickets ${n(c.tickets)}/${n(places)} · declines ${n(c.declines)} · told sold out ${n(c.soldOut)} · errors ${n(c.errors)} · left ${state.remaining ?? '?'}`
  );
}
