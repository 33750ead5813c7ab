import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { createKeys } from '../../queue/keys.js';
import { auditClientOrders, auditEvent, auditQueueEntries, type AuditCheck, type AuditResult } from './audit.js';
import { startDeployment, targetDeployment, type Deployment, type FaultOutcome } from './deployment.js';
import { renderHtml } from './html.js';
import { ApiClient } from './http.js';
import type { DropOptions } from './options.js';
import { buildPlan, type Persona } from './plan.js';
import {
  buildReport,
  summaryText,
  type DropReport,
  type PrequeueFacts,
  type Sample,
  type SeedingFacts,
} from './report.js';
import type { Reporter } from './reporter.js';
import { openSale, prepareDrop } from './setup.js';
import { confirmAddresses, seedFanAccounts } from './accounts.js';
import { startFanProcess, type FanProcess } from './fan-process.js';
import {
  emptyCounters,
  emptySamples,
  latencyMetrics,
  type Account,
  type Counters,
  type ErrorCounts,
  type FanRecord,
  type Samples,
} from './types.js';

/**
 * One drop, end to end: deployment, organizer setup, registration, the sale, the audit, the
 * report files, teardown. The CLI and the integration test both call `runDrop`.
 */

export interface RunContext {
  /** The simulator's environment: DATABASE_URL / REDIS_URL select the services a self-started deployment reuses. */
  env: Record<string, string | undefined>;
  reporter: Reporter;
  childEnv?: Record<string, string>;
  /** Called with the deployment's stop, so a signal handler can tear it down. */
  onDeployment?(stop: () => Promise<void>): void;
}

export interface DropResult {
  report: DropReport;
  files: { json: string; html: string; summary: string };
}

/** Lead time between handing the fan processes their fans and the sale opening: they must be waiting. */
const LEAD_MS = 2_000;
/**
 * After the deadline, the fan processes get this long to return their fans' last answers: a
 * request sent just before it may take its full 30 s client timeout, and a fan whose order went
 * unanswered then looks in "My orders" for 30 s more. 45 s was too short at 100,000 fans on an
 * overloaded machine (the run failed without a report).
 */
const GRACE_MS = 120_000;
/** Queue mode: while the pre-queue fills, the sale start is parked this far ahead (then moved to when it has). */
const PREQUEUE_HORIZON_MS = 4 * 3_600_000;
/** Queue mode: the room opens on its first read once the pre-queue is due; it has this long. */
const ROOM_OPEN_TIMEOUT_MS = 30_000;
/** Queue mode: the draw (a scheduler tick after sale start, seconds for a large pre-queue) has this long. */
const DRAW_TIMEOUT_MS = 120_000;

const sumCounters = (all: Counters[]): Counters => {
  const out = emptyCounters();
  for (const c of all) for (const k of Object.keys(out) as (keyof Counters)[]) out[k] += c[k];
  return out;
};

function mergeErrors(into: ErrorCounts, from: ErrorCounts): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export async function runDrop(options: DropOptions, ctx: RunContext): Promise<DropResult> {
  const { reporter } = ctx;
  const runId = randomBytes(4).toString('hex');
  const startedAt = Date.now();
  const reportDir = resolve(
    options.reportDir ??
      join('.fairdrop', 'drops', `${new Date(startedAt).toISOString().replace(/[:.]/g, '-')}-${runId}`),
  );

  const deployment: Deployment = options.target
    ? targetDeployment(options.target, options.organizer, options.databaseUrl ?? undefined, ctx.env.SIGNING_KEY)
    : await startDeployment({
        nodes: options.nodes,
        env: ctx.env,
        keep: options.keep,
        childEnv: ctx.childEnv,
        log: (l) => reporter.info(l),
      });
  ctx.onDeployment?.(() => deployment.stop());
  const threads: FanProcess[] = [];
  let sampler: NodeJS.Timeout | undefined;
  let display: NodeJS.Timeout | undefined;
  try {
    if (options.fault) {
      const refused = deployment.faults
        ? deployment.faults.refuse(options.fault)
        : 'faults apply to self-started deployments only';
      if (refused) throw new Error(`--fault ${options.fault}: ${refused}`);
    }
    const prepared = await prepareDrop(deployment.urls, deployment.organizer, options, (l) => reporter.info(l));
    const { target } = prepared;
    if (options.mode === 'queue')
      await requireWaitingRoom(deployment.urls[0]!, target.eventId, prepared.organizerToken);
    const setupSeconds = (Date.now() - startedAt) / 1000;
    const plan = buildPlan(options);

    const processes = fanProcessCount(options.processes, plan.personas.length);
    for (let i = 0; i < processes; i++) threads.push(startFanProcess());
    const latest: Counters[] = threads.map(() => emptyCounters());
    threads.forEach((t, i) => t.onProgress((m) => (latest[i] = m.counters)));
    reporter.info(
      `${processes} fan processes; ${plan.socketClients.toLocaleString('en-US')} of ${plan.personas.length.toLocaleString('en-US')} clients wait on a websocket (${plan.socketsPerNode.toLocaleString('en-US')} per node), the others poll queue/me`,
    );

    // Registration through the API, split in contiguous slices across the fan processes;
    // the accounts beyond --register are seeded in Postgres (self-started deployments only).
    const viaApi = Math.min(plan.accounts, options.register ?? plan.accounts);
    if (viaApi < plan.accounts && (!deployment.sql || !deployment.selfStarted || deployment.scryptLogN === null))
      throw new Error('--register below the number of accounts needs a self-started deployment');
    // A queue-mode waiting room takes confirmed addresses: the fans read their verification mail in Postgres.
    if (options.mode === 'queue' && viaApi > 0 && !deployment.sql)
      throw new Error(
        "--mode queue with --target needs --database-url: fans confirm their address with the mail's token",
      );
    const registerStart = Date.now();
    reporter.info(
      `registering ${viaApi.toLocaleString('en-US')} accounts through the API${viaApi < plan.accounts ? `, seeding ${(plan.accounts - viaApi).toLocaleString('en-US')} in Postgres` : ''}…`,
    );
    display = setInterval(
      () =>
        reporter.progress(
          `registering: ${sumCounters(latest).registered.toLocaleString('en-US')}/${viaApi.toLocaleString('en-US')}`,
        ),
      250,
    );
    const slice = Math.ceil(viaApi / threads.length);
    const registered = await Promise.all(
      threads.map((t, i) => {
        const answer = t.next('registered');
        t.send({
          type: 'register',
          urls: deployment.urls,
          from: Math.min(viaApi, i * slice),
          to: Math.min(viaApi, (i + 1) * slice),
          runId,
        });
        return answer;
      }),
    );
    clearInterval(display);
    const accounts = new Map<number, Account>();
    const registerSamples: number[] = [];
    const errors: ErrorCounts = {};
    for (const r of registered) {
      for (const [i, a] of r.accounts) accounts.set(i, a);
      registerSamples.push(...r.samples);
      mergeErrors(errors, r.errors);
    }
    const registerSeconds = (Date.now() - registerStart) / 1000;
    reporter.info(
      `${accounts.size.toLocaleString('en-US')} accounts registered through the API in ${registerSeconds.toFixed(1)} s`,
    );
    const registeredViaApi = accounts.size;
    if (registeredViaApi > 0 && deployment.sql && deployment.mailbox) {
      const confirmStart = Date.now();
      const confirmed = await confirmAddresses(
        deployment.sql,
        deployment.mailbox,
        deployment.urls,
        [...accounts.values()],
        errors,
      );
      reporter.info(
        `${confirmed.toLocaleString('en-US')} of ${registeredViaApi.toLocaleString('en-US')} addresses confirmed through the API in ${((Date.now() - confirmStart) / 1000).toFixed(1)} s`,
      );
    }
    let seeding: SeedingFacts | null = null;
    if (viaApi < plan.accounts) {
      const seedStart = Date.now();
      const indexes = Array.from({ length: plan.accounts - viaApi }, (_, k) => viaApi + k);
      for (const [i, a] of await seedFanAccounts(deployment.sql!, indexes, runId, deployment.scryptLogN!))
        accounts.set(i, a);
      seeding = {
        accounts: indexes.length,
        seconds: Math.round((Date.now() - seedStart) / 100) / 10,
        scryptLogN: deployment.scryptLogN!,
      };
      reporter.info(`${indexes.length.toLocaleString('en-US')} accounts seeded in Postgres in ${seeding.seconds} s`);
    }
    if (accounts.size === 0) throw new Error(`no account could be registered: ${JSON.stringify(errors)}`);

    // Open mode: the sale opens LEAD_MS from now, when the threads have their fans. Queue mode:
    // the pre-queue is open from now on, as a real one opens well before the sale; the sale
    // starts (and the lottery draws) only once every pre-queue fan has joined, however long
    // the joins take on this machine, and the late joiners come after the draw.
    const startAt = Date.now() + LEAD_MS;
    let saleStartsAt = startAt;
    let deadline = startAt + options.duration * 1000;
    const queueMode = options.mode === 'queue';
    if (queueMode) {
      lateJoiners(plan.personas, options.arrivalSeconds * 1000);
      await openSale(deployment.urls, prepared, new Date(Date.now() + PREQUEUE_HORIZON_MS));
      await waitForRoom(deployment.urls[0]!, target.eventId, ROOM_OPEN_TIMEOUT_MS);
      // Provisional: the `sale` message moves it to sale start + duration.
      deadline = startAt + PREQUEUE_HORIZON_MS + options.duration * 1000;
    } else {
      await openSale(deployment.urls, prepared, new Date(saleStartsAt));
    }

    const shares: Persona[][] = threads.map(() => []);
    plan.personas.forEach((p, i) => shares[i % threads.length]!.push(p));
    const done = threads.map((t, i) => {
      const answer = t.next('done');
      const mine: Record<number, Account> = {};
      for (const p of shares[i]!) {
        const a = accounts.get(p.account);
        if (a) mine[p.account] = a;
      }
      t.send({
        type: 'run',
        target,
        personas: shares[i]!,
        accounts: mine,
        giftCards: prepared.giftCards,
        startAt,
        deadline,
      });
      return answer;
    });

    let prequeue: PrequeueFacts | null = null;
    if (queueMode) {
      // Fans of a thread that has no account never run: they do not count.
      const expected = plan.personas.filter((p) => !p.afterDraw && accounts.has(p.account)).length;
      const capAt = startAt + (options.arrivalSeconds + options.duration) * 1000;
      display = setInterval(() => {
        const c = sumCounters(latest);
        reporter.progress(
          `[pre-queue ${((Date.now() - startAt) / 1000).toFixed(1).padStart(6)} s] arrived ${c.arrived.toLocaleString('en-US')} · joined ${c.joined.toLocaleString('en-US')} · settled ${c.queued.toLocaleString('en-US')}/${expected.toLocaleString('en-US')}`,
        );
      }, 250);
      const settledAll = await waitUntil(() => sumCounters(latest).queued >= expected, capAt);
      clearInterval(display);
      const settled = sumCounters(latest);
      prequeue = {
        expected,
        settled: settled.queued,
        joined: settled.joined,
        seconds: Math.round((Date.now() - startAt) / 100) / 10,
        capped: !settledAll,
      };
      reporter.info(
        `pre-queue: ${settled.joined.toLocaleString('en-US')} joined, ${settled.queued.toLocaleString('en-US')}/${expected.toLocaleString('en-US')} settled after ${prequeue.seconds} s${settledAll ? '' : ' (capped at the arrival window + --duration)'}; the sale opens`,
      );
      saleStartsAt = Date.now() + LEAD_MS;
      deadline = saleStartsAt + options.duration * 1000;
      await openSale(deployment.urls, prepared, new Date(saleStartsAt));
    }

    // The fault strikes once, mid-drop; the drop goes on while it does its damage.
    let faultRun: Promise<FaultOutcome | string> | null = null;
    if (options.fault && deployment.faults) {
      const { fault } = options;
      const controls = deployment.faults;
      faultRun = new Promise<void>((r) =>
        setTimeout(r, Math.max(0, saleStartsAt + options.faultAt * 1000 - Date.now())),
      )
        .then(() => {
          reporter.info(`\nfault: ${fault} at ${((Date.now() - saleStartsAt) / 1000).toFixed(1)} s`);
          return controls.inject(fault);
        })
        .catch(
          (err: unknown) => `the fault could not be injected: ${err instanceof Error ? err.message : String(err)}`,
        );
    }

    let drawnAt: number | null = null;
    if (queueMode) {
      // Late joiners arrive after the draw: tell the fan processes when it happened, and the real deadline.
      drawnAt = await waitForDraw(deployment.urls[0]!, target.eventId, saleStartsAt + DRAW_TIMEOUT_MS);
      reporter.info(`lottery drawn ${((drawnAt - saleStartsAt) / 1000).toFixed(1)} s after the sale opened`);
      for (const t of threads) t.send({ type: 'sale', saleStartsAt, drawnAt, deadline });
    }

    // Live display and the server-side timeline (remaining places; queue figures in queue mode).
    const timeline: Sample[] = [];
    const probe = new ApiClient(deployment.urls[0]!, 2);
    const queueRedis = options.mode === 'queue' && deployment.redis ? new Redis(deployment.redis.url) : null;
    // A restart-redis fault drops this connection too; it reconnects, the sampler skips a beat.
    queueRedis?.on('error', () => undefined);
    const queueKeys = deployment.redis ? createKeys(deployment.redis.prefix).queue(target.eventId) : null;
    let remaining: number | null = null;
    let sampling = false;
    sampler = setInterval(() => {
      // Fans active: from the fan processes' counters, every second whatever the API's speed.
      timeline.push({
        t: (Date.now() - saleStartsAt) / 1000,
        remaining: null,
        queueWaiting: null,
        queueAdmitted: null,
        active: sumCounters(latest).active,
      });
      if (sampling) return; // a slow answer under load must not pile up probes
      sampling = true;
      void (async () => {
        const t = (Date.now() - saleStartsAt) / 1000;
        // What a fan is shown: the event page's availability (open mode), the waiting room's public
        // figures (queue mode; the event page carries a seat map of up to ~1 MB).
        if (options.mode === 'queue') {
          const stats = await probe.call<{ remaining?: number }>('GET', `/v1/events/${target.eventId}/queue/stats`);
          remaining =
            stats.status === 200 && typeof stats.body.remaining === 'number' ? stats.body.remaining : remaining;
        } else {
          const page = await probe.call<{ availability?: { remaining: number } }>(
            'GET',
            `/v1/events/${target.eventId}`,
          );
          remaining = page.status === 200 && page.body.availability ? page.body.availability.remaining : remaining;
        }
        let queueWaiting: number | null = null;
        let queueAdmitted: number | null = null;
        if (queueRedis && queueKeys) {
          const [cursor] = await queueRedis.hmget(queueKeys.meta, 'cursor');
          const entrants = await queueRedis.hlen(queueKeys.accounts);
          queueAdmitted = Number(cursor ?? 0);
          queueWaiting = Math.max(0, entrants - queueAdmitted);
        }
        timeline.push({ t, remaining, queueWaiting, queueAdmitted, active: null });
      })()
        .catch(() => undefined)
        .finally(() => (sampling = false));
    }, 1_000);
    display = setInterval(() => {
      const c = sumCounters(latest);
      const t = ((Date.now() - saleStartsAt) / 1000).toFixed(1);
      const queue =
        options.mode === 'queue'
          ? ` · joined ${c.joined.toLocaleString('en-US')} · admitted ${c.admitted.toLocaleString('en-US')} · polls ${c.polls.toLocaleString('en-US')}`
          : '';
      reporter.progress(
        `[${t.padStart(6)} s] arrived ${c.arrived.toLocaleString('en-US')}/${plan.personas.length.toLocaleString('en-US')} · active ${c.active.toLocaleString('en-US')}${queue} · holds ${c.holds.toLocaleString('en-US')} · ` +
          `tickets ${c.tickets.toLocaleString('en-US')}/${(target.tiers.reserved.capacity + target.tiers.ga.capacity).toLocaleString('en-US')} · declines ${c.declines} · errors ${c.errors} · left ${remaining ?? '?'}`,
      );
    }, 250);

    const results = await Promise.race([
      Promise.all(done),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error('the fan processes did not finish after the deadline')),
          deadline - Date.now() + GRACE_MS,
        ).unref(),
      ),
    ]);
    clearInterval(sampler);
    clearInterval(display);
    const finishedAt = Date.now();
    probe.close();
    const fault = faultRun ? await faultRun : null;
    if (typeof fault === 'string') throw new Error(fault);
    reporter.info(`drop finished after ${((finishedAt - saleStartsAt) / 1000).toFixed(1)} s`);

    const records: FanRecord[] = [];
    const samples: Samples = emptySamples();
    for (const r of results) {
      records.push(...r.records);
      for (const m of latencyMetrics) for (const v of r.samples[m]) samples[m].push(v);
      mergeErrors(errors, r.errors);
    }
    records.sort((a, b) => a.index - b.index);

    // The audit reads Postgres once every fan has its answer (nothing is between authorize and commit).
    let audit: AuditResult | null = null;
    let auditSkipped: string | null = null;
    let clientChecks: AuditCheck[] | null = null;
    if (deployment.sql) {
      audit = await auditEvent(deployment.sql, target.eventId);
      const told = records.flatMap((r) => r.purchases.map(([orderId, tickets]) => ({ orderId, tickets })));
      clientChecks = await auditClientOrders(deployment.sql, target.eventId, told);
    } else auditSkipped = 'no database for this target: pass --database-url';
    let queueChecks: AuditCheck[] | null = null;
    if (options.mode === 'queue' && queueRedis && queueKeys) {
      const byIndex = new Map(plan.personas.map((p) => [p.index, p]));
      const acknowledged = new Map<string, string>();
      for (const r of records) {
        const account = accounts.get(byIndex.get(r.index)!.account);
        if (r.entryId && account) acknowledged.set(account.userId, r.entryId);
      }
      queueChecks = auditQueueEntries({
        acknowledged,
        accounts: await queueRedis.hgetall(queueKeys.accounts),
        entries: await queueRedis.hgetall(queueKeys.entries),
      });
    }
    await queueRedis?.quit();

    const report = buildReport({
      options,
      runId,
      target: { urls: deployment.urls, selfStarted: deployment.selfStarted, eventId: target.eventId },
      capacity: {
        reserved: target.tiers.reserved.capacity,
        ga: target.tiers.ga.capacity,
        total: target.tiers.reserved.capacity + target.tiers.ga.capacity,
      },
      startedAt,
      saleStartsAt,
      finishedAt,
      setupSeconds,
      registerSeconds,
      records,
      samples,
      registerSamples,
      errors,
      counters: sumCounters(latest),
      timeline,
      audit,
      auditSkipped,
      queueChecks,
      drawnAt,
      clientChecks,
      faults: fault ? [fault] : [],
      prequeue,
      seeding,
      registeredViaApi,
      processes,
      socketsPerNode: plan.socketsPerNode,
      socketClients: plan.socketClients,
    });
    await mkdir(reportDir, { recursive: true });
    const files = {
      json: join(reportDir, 'report.json'),
      html: join(reportDir, 'report.html'),
      summary: join(reportDir, 'summary.txt'),
    };
    const summary = summaryText(report);
    await writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(files.html, renderHtml(report));
    await writeFile(files.summary, `${summary}\n`);
    reporter.summary(`${summary}\n\nReport: ${files.html}\n        ${files.json}`);
    return { report, files };
  } finally {
    clearInterval(sampler);
    clearInterval(display);
    await Promise.all(threads.map((t) => t.terminate().catch(() => undefined)));
    await deployment.stop();
  }
}

/** Fan processes: as asked, or one per 10,000 clients (their sockets stay well under a process' 20,000 open files), at least 2. */
export function fanProcessCount(asked: number, clients: number): number {
  const n = asked > 0 ? asked : Math.max(2, Math.ceil(clients / 10_000));
  return Math.max(1, Math.min(n, clients));
}

/** Queue mode needs the waiting-room routes; a deployment without them is told so before any fan is registered. */
async function requireWaitingRoom(url: string, eventId: string, token: string): Promise<void> {
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

/** Share of fans who arrive after the draw in queue mode: they test the FIFO half of the queue. */
const LATE_SHARE = 0.15;

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
