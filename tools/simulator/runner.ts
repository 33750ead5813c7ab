import { startCpuMeter, type CpuUse } from './cpu.js';
import { readStatements, resetStatements, type PostgresUse } from './pg-statements.js';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { auditClientOrders, auditEvent, auditQueueEntries, type AuditCheck, type AuditResult } from './audit.js';
import { startDeployment, targetDeployment, type Deployment, type FaultOutcome } from './deployment.js';
import { startFanProcess } from './fan-process.js';
import { renderHtml } from './html.js';
import type { DropOptions } from './options.js';
import { buildPlan, type DropPlan } from './plan.js';
import { registerAccounts, type Registration } from './registration.js';
import { buildReport, summaryText, type DropReport, type PrequeueFacts } from './report.js';
import type { Reporter } from './reporter.js';
import { mergeErrors, startCrowd, sumCounters, Timers, type DropRun } from './run.js';
import {
  awaitDraw,
  awaitPrequeue,
  handOutFans,
  openForFans,
  requireWaitingRoom,
  scheduleFault,
  type SaleClock,
} from './sale.js';
import { prepareDrop, type PreparedDrop } from './setup.js';
import { readNoticeFacts, readTokenFacts, type NoticeFacts, type TokenFacts } from './tokens.js';
import {
  emptySamples,
  latencyMetrics,
  type FanRecord,
  type FromWorker,
  type LoopDelay,
  type Samples,
  type SampleTimes,
} from './types.js';
import { watchSale, type SaleWatch } from './watch.js';

/**
 * One drop, end to end: deployment, organizer setup, registration, the sale, the audit, the
 * report files, teardown. The CLI and the integration test both call `runDrop`; each step is a
 * function of its own (registration.ts, sale.ts, watch.ts, and the audit and files below).
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

/**
 * After the deadline, the fan processes get this long to return their fans' last answers: a
 * request sent just before it may take its full 30 s client timeout, and a fan whose order went
 * unanswered then looks in "My orders" for 30 s more. Twice that: at 100,000 fans on an
 * overloaded machine the last answers come late, and a run that stops waiting for them ends
 * without a report.
 */
const GRACE_MS = 120_000;

export async function runDrop(options: DropOptions, ctx: RunContext): Promise<DropResult> {
  const runId = randomBytes(4).toString('hex');
  const startedAt = Date.now();
  const deployment = await deploy(options, ctx);
  ctx.onDeployment?.(() => deployment.stop());
  const run: DropRun = {
    options,
    reporter: ctx.reporter,
    runId,
    deployment,
    crowd: startCrowd([]),
    timers: new Timers(),
  };
  try {
    checkFault(run);
    const prepared = await prepareDrop(deployment.urls, deployment.organizer, options, (l) => ctx.reporter.info(l));
    if (options.mode === 'queue')
      await requireWaitingRoom(deployment.urls[0]!, prepared.target.eventId, prepared.organizerToken);
    const setupSeconds = (Date.now() - startedAt) / 1000;
    const plan = buildPlan(options);
    run.crowd = startFans(run, plan);
    const registration = await registerAccounts(run, plan);
    const sale = await runSale(run, plan, prepared, registration);
    const audit = await auditDrop(run, plan, prepared, registration, sale);
    const report = buildReport({
      options,
      runId,
      target: { urls: deployment.urls, selfStarted: deployment.selfStarted, eventId: prepared.target.eventId },
      capacity: {
        reserved: prepared.target.tiers.reserved.capacity,
        ga: prepared.target.tiers.ga.capacity,
        total: prepared.target.tiers.reserved.capacity + prepared.target.tiers.ga.capacity,
      },
      startedAt,
      saleStartsAt: sale.clock.saleStartsAt,
      finishedAt: sale.finishedAt,
      setupSeconds,
      registerSeconds: registration.registerSeconds,
      records: sale.records,
      samples: sale.samples,
      answeredAt: sale.answeredAt,
      registerSamples: registration.registerSamples,
      errors: registration.errors,
      counters: run.crowd.counters(),
      timeline: sale.watch.timeline,
      ...audit,
      drawnAt: sale.drawnAt,
      faults: sale.fault ? [sale.fault] : [],
      prequeue: sale.prequeue,
      seeding: registration.seeding,
      registeredViaApi: registration.registeredViaApi,
      processes: run.crowd.processes.length,
      socketsPerNode: plan.socketsPerNode,
      socketClients: plan.socketClients,
      cpu: sale.cpu,
      postgres: sale.postgres,
      fanLoopDelay: sale.fanLoopDelay,
    });
    return { report, files: await writeReportFiles(run, startedAt, report) };
  } finally {
    run.timers.clear();
    await Promise.all(run.crowd.processes.map((p) => p.terminate().catch(() => undefined)));
    await deployment.stop();
  }
}

/** A deployment of its own, or the --target's. */
function deploy(options: DropOptions, ctx: RunContext): Promise<Deployment> | Deployment {
  if (options.target)
    return targetDeployment(options.target, options.organizer, options.databaseUrl ?? undefined, ctx.env.SIGNING_KEY);
  return startDeployment({
    nodes: options.nodes,
    env: ctx.env,
    keep: options.keep,
    childEnv: ctx.childEnv,
    log: (l) => ctx.reporter.info(l),
  });
}

/** A fault the deployment cannot take is refused before anything else happens. */
function checkFault({ options, deployment }: DropRun): void {
  if (!options.fault) return;
  const refused = deployment.faults
    ? deployment.faults.refuse(options.fault)
    : 'faults apply to self-started deployments only';
  if (refused) throw new Error(`--fault ${options.fault}: ${refused}`);
}

/** The fan processes that play the crowd. */
function startFans(run: DropRun, plan: DropPlan): DropRun['crowd'] {
  const count = fanProcessCount(run.options.processes, plan.personas.length);
  const crowd = startCrowd(Array.from({ length: count }, () => startFanProcess()));
  const clients = plan.personas.length.toLocaleString('en-US');
  // Only a queue has a wait to follow, on a websocket or by polling; an open sale has none.
  run.reporter.info(
    run.options.mode === 'queue'
      ? `${count} fan processes; ${plan.socketClients.toLocaleString('en-US')} of ${clients} clients wait on a websocket (${plan.socketsPerNode.toLocaleString('en-US')} per node), the others poll queue/me`
      : `${count} fan processes for ${clients} clients`,
  );
  return crowd;
}

interface SaleOutcome {
  clock: SaleClock;
  prequeue: PrequeueFacts | null;
  drawnAt: number | null;
  watch: SaleWatch;
  fault: FaultOutcome | null;
  finishedAt: number;
  records: FanRecord[];
  samples: Samples;
  answeredAt: SampleTimes;
  cpu: CpuUse | null;
  /** Postgres' statements over the drop (pg_stat_statements); null when it is not loaded. */
  postgres: PostgresUse | null;
  /** The latest-running fan process's event-loop delay (each figure the worst of the processes). */
  fanLoopDelay: LoopDelay | null;
}

/** The sale: fans handed out, the sale (or pre-queue, then sale) opened, the fault, the draw, and every fan's answer. */
async function runSale(
  run: DropRun,
  plan: DropPlan,
  prepared: PreparedDrop,
  registration: Registration,
): Promise<SaleOutcome> {
  const clock = await openForFans(run, plan, prepared);
  const cpuMeter = await startCpuMeter(run.crowd.processes.flatMap((p) => (p.pid ? [p.pid] : [])));
  const sql = run.deployment.sql;
  const counting = sql ? await resetStatements(sql) : false;
  const done = handOutFans(run, plan, prepared, registration.accounts, clock);
  const queueMode = run.options.mode === 'queue';
  const prequeue = queueMode ? await awaitPrequeue(run, plan, prepared, registration.accounts, clock) : null;
  const faultRun = scheduleFault(run, clock);
  const drawnAt = prequeue ? await awaitDraw(run, prepared, clock, prequeue) : null;
  const watch = watchSale(run, plan, prepared.target, clock);
  const results = await finished(done, clock.deadline);
  watch.stop(sumCounters(results.map((r) => r.counters)));
  const finishedAt = Date.now();
  const cpu = cpuMeter ? await cpuMeter() : null;
  const postgres = sql && counting ? await readStatements(sql) : null;
  const fault = faultRun ? await faultRun : null;
  if (typeof fault === 'string') throw new Error(fault);
  run.reporter.info(`drop finished after ${((finishedAt - clock.saleStartsAt) / 1000).toFixed(1)} s`);
  const records: FanRecord[] = [];
  const samples: Samples = emptySamples();
  const answeredAt: SampleTimes = emptySamples();
  for (const r of results) {
    records.push(...r.records);
    for (const m of latencyMetrics) {
      for (const v of r.samples[m]) samples[m].push(v);
      for (const t of r.answeredAt[m]) answeredAt[m].push(t);
    }
    mergeErrors(registration.errors, r.errors);
  }
  records.sort((a, b) => a.index - b.index);
  const worst = (pick: (d: LoopDelay) => number) => Math.max(...results.map((r) => pick(r.loopDelay)));
  const fanLoopDelay = results.length
    ? { p50Ms: worst((d) => d.p50Ms), p99Ms: worst((d) => d.p99Ms), maxMs: worst((d) => d.maxMs) }
    : null;
  return {
    clock,
    prequeue,
    drawnAt,
    watch,
    fault,
    finishedAt,
    records,
    samples,
    answeredAt,
    cpu,
    postgres,
    fanLoopDelay,
  };
}

/** Every fan process' final answer, or an error when they have not all answered GRACE_MS after the deadline. */
function finished(
  done: Promise<Extract<FromWorker, { type: 'done' }>>[],
  deadline: number,
): Promise<Extract<FromWorker, { type: 'done' }>[]> {
  return Promise.race([
    Promise.all(done),
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error('the fan processes did not finish after the deadline')),
        deadline - Date.now() + GRACE_MS,
      ).unref(),
    ),
  ]);
}

/**
 * The audit reads Postgres once every fan has its answer (nothing is between authorize and
 * commit): the event's invariants, each order a fan was told of, and in queue mode every
 * acknowledged entry against Redis.
 */
async function auditDrop(
  { options, deployment }: DropRun,
  plan: DropPlan,
  prepared: PreparedDrop,
  registration: Registration,
  sale: SaleOutcome,
): Promise<{
  audit: AuditResult | null;
  auditSkipped: string | null;
  clientChecks: AuditCheck[] | null;
  queueChecks: AuditCheck[] | null;
  tokens: TokenFacts | null;
  notices: NoticeFacts | null;
}> {
  const eventId = prepared.target.eventId;
  let audit: AuditResult | null = null;
  let auditSkipped: string | null = null;
  let clientChecks: AuditCheck[] | null = null;
  if (deployment.sql) {
    audit = await auditEvent(deployment.sql, eventId);
    const told = sale.records.flatMap((r) => r.purchases.map(([orderId, tickets]) => ({ orderId, tickets })));
    clientChecks = await auditClientOrders(deployment.sql, eventId, told);
  } else auditSkipped = 'no database for this target: pass --database-url';
  let queueChecks: AuditCheck[] | null = null;
  let tokens: TokenFacts | null = null;
  const queue = sale.watch.queue;
  if (options.mode === 'queue' && queue) {
    const byIndex = new Map(plan.personas.map((p) => [p.index, p]));
    const acknowledged = new Map<string, string>();
    for (const r of sale.records) {
      const account = registration.accounts.get(byIndex.get(r.index)!.account);
      if (r.entryId && account) acknowledged.set(account.userId, r.entryId);
    }
    queueChecks = auditQueueEntries({
      acknowledged,
      accounts: await queue.redis.hgetall(queue.keys.accounts),
      entries: await queue.redis.hgetall(queue.keys.entries),
    });
    tokens = await readTokenFacts({
      redis: queue.redis,
      keys: queue.keys,
      sql: deployment.sql,
      eventId,
      tokenTtlMs: options.tokenTtl * 1000,
      records: sale.records,
      at: sale.finishedAt,
    });
  }
  await queue?.redis.quit();
  const notices = options.mode === 'queue' && deployment.sql ? await readNoticeFacts(deployment.sql, eventId) : null;
  return { audit, auditSkipped, clientChecks, queueChecks, tokens, notices };
}

/** report.json, report.html and summary.txt in --report-dir (default .fairdrop/drops/<time>-<run>), and the summary printed. */
async function writeReportFiles(run: DropRun, startedAt: number, report: DropReport): Promise<DropResult['files']> {
  const stamp = new Date(startedAt).toISOString().replace(/[:.]/g, '-');
  const reportDir = resolve(run.options.reportDir ?? join('.fairdrop', 'drops', `${stamp}-${run.runId}`));
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
  run.reporter.summary(`${summary}\n\nReport: ${files.html}\n        ${files.json}`);
  return files;
}

/** Fan processes: as asked, or one per 10,000 clients (their sockets stay well under a process' 20,000 open files), at least 2. */
export function fanProcessCount(asked: number, clients: number): number {
  const n = asked > 0 ? asked : Math.max(2, Math.ceil(clients / 10_000));
  return Math.max(1, Math.min(n, clients));
}
