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
import { buildReport, summaryText, type DropReport, type Sample } from './report.js';
import type { Reporter } from './reporter.js';
import { openSale, prepareDrop } from './setup.js';
import { startFanThread, type FanThread } from './threads.js';
import { emptyCounters, emptySamples, latencyMetrics, type Account, type Counters, type ErrorCounts, type FanRecord, type Samples } from './types.js';

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

/** Lead time between handing the threads their fans and the sale opening: they must be waiting. */
const LEAD_MS = 2_000;
/** After the deadline, threads get this long to return their fans' last answers. */
const GRACE_MS = 45_000;

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
  const reportDir = resolve(options.reportDir ?? join('.fairdrop', 'drops', `${new Date(startedAt).toISOString().replace(/[:.]/g, '-')}-${runId}`));

  const deployment: Deployment = options.target
    ? targetDeployment(options.target, options.organizer, options.databaseUrl ?? undefined)
    : await startDeployment({ nodes: options.nodes, env: ctx.env, keep: options.keep, childEnv: ctx.childEnv, log: (l) => reporter.info(l) });
  ctx.onDeployment?.(() => deployment.stop());
  const threads: FanThread[] = [];
  let sampler: NodeJS.Timeout | undefined;
  let display: NodeJS.Timeout | undefined;
  try {
    if (options.fault) {
      const refused = deployment.faults ? deployment.faults.refuse(options.fault) : 'faults apply to self-started deployments only';
      if (refused) throw new Error(`--fault ${options.fault}: ${refused}`);
    }
    const prepared = await prepareDrop(deployment.urls, deployment.organizer, options, (l) => reporter.info(l));
    const { target } = prepared;
    if (options.mode === 'queue') await requireWaitingRoom(deployment.urls[0]!, target.eventId, prepared.organizerToken);
    const setupSeconds = (Date.now() - startedAt) / 1000;
    const plan = buildPlan(options);

    for (let i = 0; i < Math.min(options.threads, plan.personas.length); i++) threads.push(startFanThread());
    const latest: Counters[] = threads.map(() => emptyCounters());
    threads.forEach((t, i) => t.onProgress((m) => (latest[i] = m.counters)));

    // Registration, split in contiguous slices across the threads.
    const registerStart = Date.now();
    reporter.info(`registering ${plan.accounts.toLocaleString('en-US')} accounts…`);
    display = setInterval(() => reporter.progress(`registering: ${sumCounters(latest).registered.toLocaleString('en-US')}/${plan.accounts.toLocaleString('en-US')}`), 250);
    const slice = Math.ceil(plan.accounts / threads.length);
    const registered = await Promise.all(
      threads.map((t, i) => {
        const answer = t.next('registered');
        t.send({ type: 'register', urls: deployment.urls, from: i * slice, to: Math.min(plan.accounts, (i + 1) * slice), runId });
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
    if (accounts.size === 0) throw new Error(`no account could be registered: ${JSON.stringify(errors)}`);
    reporter.info(`${accounts.size.toLocaleString('en-US')} accounts registered in ${registerSeconds.toFixed(1)} s`);

    // The sale opens LEAD_MS from now; in queue mode the pre-queue is open from now and the
    // draw (sale start) comes after most of the arrival window, so most fans join before it.
    const startAt = Date.now() + LEAD_MS;
    const leadMs = options.arrivalSeconds * 800;
    if (options.mode === 'queue') lateJoiners(plan.personas, leadMs, options.arrivalSeconds * 1000);
    const saleStartsAt = options.mode === 'queue' ? startAt + leadMs : startAt;
    await openSale(deployment.urls, prepared, new Date(saleStartsAt));
    const deadline = saleStartsAt + options.duration * 1000;

    const shares: Persona[][] = threads.map(() => []);
    plan.personas.forEach((p, i) => shares[i % threads.length]!.push(p));
    const done = threads.map((t, i) => {
      const answer = t.next('done');
      const mine: Record<number, Account> = {};
      for (const p of shares[i]!) {
        const a = accounts.get(p.account);
        if (a) mine[p.account] = a;
      }
      t.send({ type: 'run', target, personas: shares[i]!, accounts: mine, giftCards: prepared.giftCards, startAt, deadline });
      return answer;
    });

    // The fault strikes once, mid-drop; the drop goes on while it does its damage.
    let faultRun: Promise<FaultOutcome | string> | null = null;
    if (options.fault && deployment.faults) {
      const { fault } = options;
      const controls = deployment.faults;
      faultRun = new Promise<void>((r) => setTimeout(r, Math.max(0, saleStartsAt + options.faultAt * 1000 - Date.now())))
        .then(() => {
          reporter.info(`\nfault: ${fault} at ${((Date.now() - saleStartsAt) / 1000).toFixed(1)} s`);
          return controls.inject(fault);
        })
        .catch((err: unknown) => `the fault could not be injected: ${err instanceof Error ? err.message : String(err)}`);
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
      // Fans active: from the threads' counters, every second whatever the API's speed.
      timeline.push({ t: (Date.now() - saleStartsAt) / 1000, remaining: null, queueWaiting: null, queueAdmitted: null, active: sumCounters(latest).active });
      if (sampling) return; // a slow answer under load must not pile up probes
      sampling = true;
      void (async () => {
        const t = (Date.now() - saleStartsAt) / 1000;
        // The fans' own event page: its availability is what a fan is shown.
        const page = await probe.call<{ availability?: { remaining: number } }>('GET', `/v1/events/${target.eventId}`);
        remaining = page.status === 200 && page.body.availability ? page.body.availability.remaining : remaining;
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
      const queue = options.mode === 'queue' ? ` · joined ${c.joined.toLocaleString('en-US')} · admitted ${c.admitted.toLocaleString('en-US')}` : '';
      reporter.progress(
        `[${t.padStart(6)} s] arrived ${c.arrived.toLocaleString('en-US')}/${plan.personas.length.toLocaleString('en-US')} · active ${c.active.toLocaleString('en-US')}${queue} · holds ${c.holds.toLocaleString('en-US')} · ` +
          `tickets ${c.tickets.toLocaleString('en-US')}/${(target.tiers.reserved.capacity + target.tiers.ga.capacity).toLocaleString('en-US')} · declines ${c.declines} · errors ${c.errors} · left ${remaining ?? '?'}`,
      );
    }, 250);

    const results = await Promise.race([
      Promise.all(done),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the fan threads did not finish after the deadline')), deadline - Date.now() + GRACE_MS).unref()),
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
    }
    else auditSkipped = 'no database for this target: pass --database-url';
    let queueChecks: AuditCheck[] | null = null;
    if (options.mode === 'queue' && queueRedis && queueKeys) {
      const byIndex = new Map(plan.personas.map((p) => [p.index, p]));
      const acknowledged = new Map<string, string>();
      for (const r of records) {
        const account = accounts.get(byIndex.get(r.index)!.account);
        if (r.entryId && account) acknowledged.set(account.userId, r.entryId);
      }
      queueChecks = auditQueueEntries({ acknowledged, accounts: await queueRedis.hgetall(queueKeys.accounts), entries: await queueRedis.hgetall(queueKeys.entries) });
    }
    await queueRedis?.quit();
    const drawnAt = options.mode === 'queue' ? await lotteryDrawnAt(deployment.urls[0]!, target.eventId) : null;

    const report = buildReport({
      options,
      runId,
      target: { urls: deployment.urls, selfStarted: deployment.selfStarted, eventId: target.eventId },
      capacity: { reserved: target.tiers.reserved.capacity, ga: target.tiers.ga.capacity, total: target.tiers.reserved.capacity + target.tiers.ga.capacity },
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
    });
    await mkdir(reportDir, { recursive: true });
    const files = { json: join(reportDir, 'report.json'), html: join(reportDir, 'report.html'), summary: join(reportDir, 'summary.txt') };
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

/** Queue mode needs the waiting-room routes; a deployment without them is told so before any fan is registered. */
async function requireWaitingRoom(url: string, eventId: string, token: string): Promise<void> {
  const api = new ApiClient(url, 1);
  try {
    const res = await api.call('GET', `/v1/events/${eventId}/queue/me`, undefined, { token });
    if (res.code === 'request.not_found') {
      throw new Error(`--mode queue: ${url} has no waiting-room routes (GET /v1/events/:id/queue/me answered request.not_found); run --mode open or a build with the waiting room`);
    }
  } finally {
    api.close();
  }
}

/** Share of fans who arrive after the draw in queue mode: they test the FIFO half of the queue. */
const LATE_SHARE = 0.15;

/**
 * Queue mode: the draw comes at 80% of the arrival window, so the crowd is in the pre-queue
 * (a real pre-queue opens well before the sale); a fixed share of the fans — every n-th, so the
 * choice is seeded by the plan — come only after the start, spread over half a window, and
 * join a FIFO line behind everyone drawn.
 */
export function lateJoiners(personas: Persona[], leadMs: number, windowMs: number): void {
  const every = Math.round(1 / LATE_SHARE);
  let k = 0;
  for (const p of personas) {
    if (p.kind !== 'fan' || p.index % every !== 3) continue;
    // Golden-ratio spacing: evenly spread, no extra random stream to keep in step with the plan.
    p.arrivalMs = leadMs + 250 + ((k++ * 0.618_034) % 1) * windowMs * 0.5;
  }
}
/** The lottery's public record says when the draw happened (null if it never did). */
async function lotteryDrawnAt(url: string, eventId: string): Promise<number | null> {
  const api = new ApiClient(url, 1);
  try {
    const res = await api.call<{ drawnAt: number | null }>('GET', `/v1/events/${eventId}/lottery`);
    return res.status === 200 ? res.body.drawnAt : null;
  } finally {
    api.close();
  }
}
