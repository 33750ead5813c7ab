import type { CpuUse } from './cpu.js';
import type { PostgresUse } from './pg-statements.js';
import type { FaultOutcome } from './deployment.js';
import type { AuditCheck, AuditResult } from './audit.js';
import type { DropOptions } from './options.js';
import { isRefusal } from './refusals.js';
import {
  cumulative,
  descents,
  histogram,
  percentiles,
  perSecond,
  spearman,
  type Histogram,
  type Percentiles,
} from './stats.js';
import { checkTargets, latencyTargets, type TargetCheck } from './targets.js';
import { channels, type NoticeFacts, type TokenFacts } from './tokens.js';
import {
  latencyMetrics,
  type Counters,
  type ErrorCounts,
  type FanRecord,
  type LatencyMetric,
  type LoopDelay,
  type Outcome,
  type Samples,
  type SampleTimes,
} from './types.js';

/**
 * The drop report as data: built once from what the threads recorded, the sampler saw and the
 * audit read, then written as JSON, rendered as HTML and summarized in the terminal.
 */

export interface Sample {
  /** Seconds since the sale opened. */
  t: number;
  remaining: number | null;
  queueWaiting: number | null;
  queueAdmitted: number | null;
  active: number | null;
}

/** Queue mode: how the pre-queue filled before the sale opened. */
export interface PrequeueFacts {
  /** Pre-queue fans (not the late joiners) with an account. */
  expected: number;
  /** Of those, how many had their join settled (joined, refused or given up) when the sale opened. */
  settled: number;
  joined: number;
  /** From the first arrival to the sale opening. */
  seconds: number;
  /** True when the sale opened at the cap (arrival window + --duration) rather than on a settled pre-queue. */
  capped: boolean;
}

/** Accounts created in Postgres instead of through the API (--register below the crowd). */
export interface SeedingFacts {
  accounts: number;
  seconds: number;
  scryptLogN: number;
}

export interface RunFacts {
  options: DropOptions;
  runId: string;
  target: { urls: string[]; selfStarted: boolean; eventId: string };
  capacity: { reserved: number; ga: number; total: number };
  startedAt: number;
  saleStartsAt: number;
  finishedAt: number;
  setupSeconds: number;
  registerSeconds: number;
  records: FanRecord[];
  samples: Samples;
  answeredAt: SampleTimes;
  registerSamples: number[];
  errors: ErrorCounts;
  counters: Counters;
  timeline: Sample[];
  audit: AuditResult | null;
  auditSkipped: string | null;
  queueChecks: AuditCheck[] | null;
  /** Queue mode: when the draw happened (the lottery's drawnAt); joins after it are FIFO, before it drawn. */
  drawnAt?: number | null;
  /** Clients' answers against Postgres (auditClientOrders); null without a database. */
  clientChecks?: AuditCheck[] | null;
  faults?: FaultOutcome[];
  prequeue?: PrequeueFacts | null;
  seeding?: SeedingFacts | null;
  /** Accounts registered through the API. */
  registeredViaApi?: number;
  processes?: number;
  socketsPerNode?: number;
  socketClients?: number;
  /** CPU per kind of process from the sale's opening (or the pre-queue's) to the last answer; null off Linux. */
  cpu?: CpuUse | null;
  postgres?: PostgresUse | null;
  /** The fan processes' own event-loop delay over the sale (the worst process's). */
  fanLoopDelay?: LoopDelay | null;
  /** Queue mode: purchase tokens from Redis and Postgres (tokens.ts); null without the deployment's Redis. */
  tokens?: TokenFacts | null;
  /** Queue mode: the "your turn" messages in the server's outbox; null without its database. */
  notices?: NoticeFacts | null;
}

/** Queue mode: the fans away from the page, told by Web Push (--away). */
export interface AwayFacts {
  share: number;
  reactSeconds: number;
  never: number;
  joined: number;
  bought: number;
  /** What brought each back: the push, its reminder, a look at the page without either; and those who never were. */
  reactedToTurn: number;
  reactedToReminder: number;
  reactedToLook: number;
  passExpired: number;
  /** Pushes the simulator's receivers decrypted, and requests they refused (bad VAPID signature or payload). */
  pushes: number;
  pushesRefused: number;
}

/** How the crowd waited for admission (queue mode), and how it was run. */
export interface WaitingFacts {
  /** Fan processes of the simulator (each under its own open-file limit). */
  processes: number;
  /** Websockets allowed per API node, and clients given one. */
  socketsPerNode: number;
  socketClients: number;
  /** Fans that joined and waited on a socket / by polling, and how many of each bought. */
  socketFans: { joined: number; bought: number };
  pollingFans: { joined: number; bought: number };
  polls: number;
  pollsNotModified: number;
  pollsFailed: number;
  pollMaxSeconds: number;
  tokenTtlSeconds: number;
  /** Joins carried an Idempotency-Key. */
  joinKey: boolean;
  away: AwayFacts;
}

export interface GroupSuccess {
  clients: number;
  bought: number;
  rate: number;
  tickets: number;
}

export interface DropReport {
  version: 1;
  runId: string;
  generatedAt: string;
  options: DropOptions;
  target: RunFacts['target'];
  capacity: RunFacts['capacity'];
  durations: { setupSeconds: number; registerSeconds: number; driveSeconds: number };
  /** Accounts: through POST /v1/auth/register, and seeded in Postgres (null when none was). */
  registration: { api: number; seeded: SeedingFacts | null };
  waiting: WaitingFacts;
  sale: {
    ticketsSold: number;
    orders: number;
    /** The sale sold out: every place sold, or at some point nothing was left to buy (every place sold or held). */
    soldOut: boolean;
    /** Every place sold by the end. */
    allSold: boolean;
    /** Places not sold at the end (held by fans who did not pay, or back on sale after the crowd left). */
    unsold: number;
    /** Seconds from the sale opening to the first moment nothing was left to buy (null when that never happened). */
    soldOutSeconds: number | null;
    /** Seconds from the sale opening to the last place sold (null unless every place sold). */
    sellOutSeconds: number | null;
    /** Clients who ended told "sold out": the outcome of a sale that sold out, not an error. */
    toldSoldOut: number;
    /** Seconds from the sale opening to the last sale, sold out or not. */
    lastSaleSeconds: number | null;
    ticketsPerSecond: number;
    ordersPerSecond: number;
    /** Queue mode: seats ÷ admission rate (one ticket per admitted fan), and with the measured tickets per buyer. */
    theoreticalMinSeconds: number | null;
    theoreticalMinSecondsByGroup: number | null;
  };
  fairness: {
    mode: 'queue' | 'open';
    /** Queue: ρ(join order, ticket number) over the pre-queue (≈ 0 is fair). Open: ρ(arrival, purchase) among buyers (≈ 1 is first come, first served). */
    spearman: number | null;
    pairs: number;
    /** Queue: late joiners whose ticket number is below the one joining just before them. */
    fifoViolations: number | null;
    fifoChecked: number;
    note: string;
  };
  success: { fans: GroupSuccess; bots: GroupSuccess; botsByStyle: Record<string, GroupSuccess> };
  outcomes: Record<Outcome, number>;
  latency: Record<LatencyMetric, Percentiles>;
  histograms: Record<LatencyMetric, Histogram>;
  /** When the answers slower than their target came: one entry per metric with a target and such answers. */
  slow: SlowAnswers[];
  /**
   * Problem codes by endpoint. `refusal`: an answer a sale gives in its normal course ("sold
   * out", a declined card, a seat someone else took); the others are errors.
   */
  errors: { endpoint: string; code: string; count: number; refusal: boolean }[];
  /** Every figure with a target (tools/simulator/targets.ts), met or not. */
  targets: TargetCheck[];
  series: {
    seconds: number[];
    arrivals: number[];
    holds: number[];
    tickets: number[];
    ticketsCumulative: number[];
    remaining: (number | null)[];
    queueWaiting: (number | null)[];
    queueAdmitted: (number | null)[];
    active: (number | null)[];
  };
  audit: AuditResult | null;
  auditSkipped: string | null;
  queueChecks: AuditCheck[] | null;
  clientChecks: AuditCheck[] | null;
  /** Queue mode: the pre-queue as the sale opened; null in open mode. */
  prequeue: PrequeueFacts | null;
  /** Faults injected during the drop, seconds relative to sale start. */
  faults: { kind: string; target: string; atSeconds: number; recoveredAfterSeconds: number | null; detail: string }[];
  /**
   * CPU per kind of process and per process over the drop (the crowd's own beside the servers');
   * each timeline sample's `at` is seconds from the sale's opening. Null when not measured.
   */
  cpu: CpuUse | null;
  /** Postgres' time over the drop by statement (pg_stat_statements, lock waits included); null when not loaded. */
  postgres: PostgresUse | null;
  /**
   * How late the fan processes' event loops ran (each figure the worst process's): a latency in
   * this report includes up to this much of the simulated crowd's own delay.
   */
  fanLoopDelay: LoopDelay | null;
  /** Queue mode: purchase tokens issued, used and expired, from the server's records, and admission → hold by channel. */
  tokens: TokenFacts | null;
  notices: NoticeFacts | null;
  /** True when the audit ran and every check (queue and client checks included) passed. */
  clean: boolean;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function waited(records: FanRecord[], by: 'socket' | 'poll' | 'push'): { joined: number; bought: number } {
  const group = records.filter((r) => r.waitedBy === by);
  return { joined: group.length, bought: group.filter((r) => r.outcome === 'bought').length };
}

function success(records: FanRecord[]): GroupSuccess {
  const bought = records.filter((r) => r.outcome === 'bought').length;
  return {
    clients: records.length,
    bought,
    rate: records.length ? round(bought / records.length, 4) : 0,
    tickets: records.reduce((n, r) => n + r.tickets, 0),
  };
}

/** The report of a run: each section below is computed by a function of its own from the run's facts. */
export function buildReport(facts: RunFacts): DropReport {
  const { records, options, saleStartsAt: t0 } = facts;
  const queueChecks = facts.queueChecks;
  const clientChecks = facts.clientChecks ?? null;
  const bots = records.filter((r) => r.kind === 'bot');
  const sale = saleOf(facts);
  const latency = latencyOf(facts);
  return {
    version: 1,
    runId: facts.runId,
    generatedAt: new Date(facts.finishedAt).toISOString(),
    options,
    target: facts.target,
    capacity: facts.capacity,
    durations: {
      setupSeconds: round(facts.setupSeconds, 2),
      registerSeconds: round(facts.registerSeconds, 2),
      driveSeconds: round((facts.finishedAt - t0) / 1000, 2),
    },
    registration: { api: facts.registeredViaApi ?? facts.records.length, seeded: facts.seeding ?? null },
    waiting: waitingOf(facts),
    sale,
    fairness: options.mode === 'queue' ? queueFairness(facts) : openFairness(facts),
    success: {
      fans: success(records.filter((r) => r.kind === 'fan')),
      bots: success(bots),
      botsByStyle: byStyle(bots),
    },
    outcomes: outcomesOf(records),
    ...latency,
    errors: errorsOf(facts),
    targets: checkTargets(latency.latency, sale),
    slow: slowAnswersOf(facts),
    series: seriesOf(facts),
    audit: facts.audit,
    auditSkipped: facts.auditSkipped,
    queueChecks,
    clientChecks,
    prequeue: facts.prequeue ?? null,
    faults: (facts.faults ?? []).map((f) => ({
      kind: f.kind,
      target: f.target,
      atSeconds: round((f.at - t0) / 1000, 2),
      recoveredAfterSeconds: f.recoveredAt === null ? null : round((f.recoveredAt - f.at) / 1000, 2),
      detail: f.detail,
    })),
    cpu: facts.cpu
      ? {
          ...facts.cpu,
          timeline: facts.cpu.timeline.map((s) => ({ ...s, at: round((s.at - t0) / 1000, 1) })),
        }
      : null,
    postgres: facts.postgres ?? null,
    fanLoopDelay: facts.fanLoopDelay ?? null,
    tokens: facts.tokens ?? null,
    notices: facts.notices ?? null,
    clean:
      facts.audit !== null && facts.audit.clean && [...(queueChecks ?? []), ...(clientChecks ?? [])].every((c) => c.ok),
  };
}

/** How the crowd waited for admission, and how the run was set up for it. */
function waitingOf(facts: RunFacts): WaitingFacts {
  const { records, options } = facts;
  return {
    processes: facts.processes ?? 0,
    socketsPerNode: facts.socketsPerNode ?? 0,
    socketClients: facts.socketClients ?? 0,
    socketFans: waited(records, 'socket'),
    pollingFans: waited(records, 'poll'),
    polls: facts.counters.polls,
    pollsNotModified: facts.counters.pollsNotModified,
    pollsFailed: facts.counters.pollsFailed,
    pollMaxSeconds: options.pollMaxSeconds,
    tokenTtlSeconds: options.tokenTtl,
    joinKey: options.joinKey === 'yes',
    away: awayOf(facts),
  };
}

function awayOf(facts: RunFacts): AwayFacts {
  const { records, options } = facts;
  const away = records.filter((r) => r.waitedBy === 'push');
  return {
    share: options.away,
    reactSeconds: options.awayReactSeconds,
    never: options.awayNever,
    ...waited(records, 'push'),
    reactedToTurn: away.filter((r) => r.reactedTo === 'turn').length,
    reactedToReminder: away.filter((r) => r.reactedTo === 'reminder').length,
    reactedToLook: away.filter((r) => r.reactedTo === 'look').length,
    passExpired: away.filter((r) => r.outcome === 'pass_expired').length,
    pushes: facts.counters.pushes,
    pushesRefused: facts.counters.pushesRefused,
  };
}

/** Tickets and orders sold, how fast, and (queue mode) the fastest the admission rate allows. */
function saleOf(facts: RunFacts): DropReport['sale'] {
  const { records, options, saleStartsAt: t0 } = facts;
  const ticketsSold = records.reduce((n, r) => n + r.tickets, 0);
  const orders = records.reduce((n, r) => n + r.orders, 0);
  const boughtTimes = records.filter((r) => r.boughtAt !== null).map((r) => r.boughtAt!);
  const lastSale = boughtTimes.length ? boughtTimes.reduce((a, b) => Math.max(a, b)) : null;
  // Every place sold: the audit's valid tickets when available; the clients' count otherwise.
  const sold = facts.audit?.totals.ticketsValid ?? ticketsSold;
  const allSold = sold >= facts.capacity.total;
  const lastSaleSeconds = lastSale !== null ? round((lastSale - t0) / 1000, 2) : null;
  // Sold out: the first moment what a fan is shown said nothing was left (sold or held), or the last sale when all sold.
  const nothingLeft = facts.timeline.find((sample) => sample.remaining === 0);
  const soldOutSeconds = nothingLeft ? round(Math.max(0, nothingLeft.t), 2) : allSold ? lastSaleSeconds : null;
  const sellingSeconds = Math.max(0.001, lastSaleSeconds ?? (facts.finishedAt - t0) / 1000);
  const admissionPerSecond = options.mode === 'queue' ? options.admitPerMinute / 60 : null;
  const buyers = records.filter((r) => r.outcome === 'bought').length;
  const ticketsPerBuyer = buyers ? ticketsSold / buyers : 1;
  return {
    ticketsSold,
    orders,
    soldOut: allSold || soldOutSeconds !== null,
    allSold,
    unsold: Math.max(0, facts.capacity.total - sold),
    soldOutSeconds,
    sellOutSeconds: allSold ? lastSaleSeconds : null,
    toldSoldOut: records.filter((r) => r.outcome === 'sold_out').length,
    lastSaleSeconds,
    ticketsPerSecond: round(ticketsSold / sellingSeconds, 1),
    ordersPerSecond: round(orders / sellingSeconds, 1),
    theoreticalMinSeconds: admissionPerSecond ? round(facts.capacity.total / admissionPerSecond, 2) : null,
    theoreticalMinSecondsByGroup: admissionPerSecond
      ? round(facts.capacity.total / (admissionPerSecond * ticketsPerBuyer), 2)
      : null,
  };
}

/** Queue mode: the lottery's independence from join order over the pre-queue, and FIFO after the draw. */
function queueFairness(facts: RunFacts): DropReport['fairness'] {
  const drawn = facts.records.filter((r) => r.joinedAt !== null && r.ticketNumber !== null);
  // The draw runs on the first scheduler tick after sale start: joins up to it are in the lottery.
  const boundary = facts.drawnAt ?? facts.saleStartsAt;
  const pre = drawn.filter((r) => r.joinedAt! < boundary);
  const late = drawn
    .filter((r) => r.joinedAt! >= boundary)
    // Redis stamps joins in whole ms: joins within one ms have no observable order, so ties
    // count as in order; a later ms with a smaller number is a FIFO violation.
    .sort((a, b) => a.joinedAt! - b.joinedAt! || a.ticketNumber! - b.ticketNumber!);
  return {
    mode: 'queue',
    spearman: spearman(
      pre.map((r) => r.joinedAt!),
      pre.map((r) => r.ticketNumber!),
    ),
    pairs: pre.length,
    fifoViolations: descents(late.map((r) => r.ticketNumber!)),
    fifoChecked: late.length,
    note: 'Pre-queue: ρ(join order, ticket number) should be near 0 (|ρ| < ~3/√n). After the draw: ticket numbers follow join order.',
  };
}

/** Open mode: how closely purchase order follows arrival order among buyers. */
function openFairness(facts: RunFacts): DropReport['fairness'] {
  const bought = facts.records.filter((r) => r.arrivedAt !== null && r.boughtAt !== null);
  return {
    mode: 'open',
    spearman: spearman(
      bought.map((r) => r.arrivedAt!),
      bought.map((r) => r.boughtAt!),
    ),
    pairs: bought.length,
    fifoViolations: null,
    fifoChecked: 0,
    note: 'Open sale: ρ(arrival, purchase time) among buyers; near 1 means first come, first served (fast clients win).',
  };
}

function byStyle(bots: FanRecord[]): Record<string, GroupSuccess> {
  const out: Record<string, GroupSuccess> = {};
  for (const style of ['late', 'multi', 'shared']) {
    const group = bots.filter((r) => r.botStyle === style);
    if (group.length) out[style] = success(group);
  }
  return out;
}

function outcomesOf(records: FanRecord[]): Record<Outcome, number> {
  const outcomes = {} as Record<Outcome, number>;
  for (const r of records) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  return outcomes;
}

/** Percentiles and histograms of every latency the fans recorded (registration's from the registering step). */
function latencyOf(facts: RunFacts): Pick<DropReport, 'latency' | 'histograms'> {
  const samples: Samples = { ...facts.samples, register: facts.registerSamples };
  const latency = Object.fromEntries(latencyMetrics.map((m) => [m, percentiles(samples[m])])) as Record<
    LatencyMetric,
    Percentiles
  >;
  const histograms = Object.fromEntries(latencyMetrics.map((m) => [m, histogram(samples[m])])) as Record<
    LatencyMetric,
    Histogram
  >;
  return { latency, histograms };
}

export interface SlowAnswers {
  metric: LatencyMetric;
  targetMs: number;
  /** Answers slower than the target, of `count`. */
  over: number;
  count: number;
  /** Seconds from the sale's opening (negative: before it) between which 90% of the slow answers came. */
  fromSecond: number;
  toSecond: number;
  /** The second with the most slow answers, and how many. */
  peakSecond: number;
  peakOver: number;
}

/**
 * Where in the drop each latency target was missed: a p99 says how slow, this says when (the
 * draw, the sale's opening, sold out), so a reader can tell a stampede from a slow steady state.
 */
function slowAnswersOf(facts: RunFacts): SlowAnswers[] {
  const t0 = Math.floor(facts.saleStartsAt / 1000);
  const out: SlowAnswers[] = [];
  for (const metric of latencyMetrics) {
    const target = latencyTargets[metric];
    if (!target) continue;
    // Pushed together by every fan (fan.ts): the same index is the same answer.
    const ms = facts.samples[metric];
    const at = facts.answeredAt[metric];
    const seconds: number[] = [];
    for (let i = 0; i < ms.length; i++) if (ms[i]! > target.p99Ms) seconds.push(at[i]! - t0);
    if (seconds.length === 0) continue;
    seconds.sort((a, b) => a - b);
    const pick = (q: number) => seconds[Math.min(seconds.length - 1, Math.floor(q * seconds.length))]!;
    // Sorted, so each second's answers stand together: the longest run is the busiest second.
    let [peakSecond, peakOver] = [seconds[0]!, 0];
    for (let i = 0, run = 0; i < seconds.length; i++) {
      run = i > 0 && seconds[i] === seconds[i - 1] ? run + 1 : 1;
      if (run > peakOver) [peakSecond, peakOver] = [seconds[i]!, run];
    }
    out.push({
      metric,
      targetMs: target.p99Ms,
      over: seconds.length,
      count: ms.length,
      fromSecond: pick(0.05),
      toSecond: pick(0.95),
      peakSecond,
      peakOver,
    });
  }
  return out;
}

/** Problem codes by endpoint, most frequent first (the keys are `<endpoint> <code>`). */
function errorsOf(facts: RunFacts): DropReport['errors'] {
  return Object.entries(facts.errors)
    .map(([key, count]) => {
      const space = key.indexOf(' ');
      const code = key.slice(space + 1);
      return { endpoint: key.slice(0, space), code, count, refusal: isRefusal(code) };
    })
    .sort((a, b) => b.count - a.count);
}

/** Time series, one bucket per second of the sale. */
function seriesOf(facts: RunFacts): DropReport['series'] {
  const { records, saleStartsAt: t0 } = facts;
  const seconds = Math.max(1, Math.ceil((facts.finishedAt - t0) / 1000));
  const at = (pick: (r: FanRecord) => number | null) => records.map(pick).filter((t): t is number => t !== null);
  const ticketsSeries = perSecond(
    records.filter((r) => r.boughtAt !== null).map((r) => r.boughtAt!),
    t0,
    seconds,
    records.filter((r) => r.boughtAt !== null).map((r) => r.tickets),
  );
  // Samples land when the probe answers (slowly under load): each second shows the last value
  // known by then, and nothing before the first.
  const bySecond = (pick: (s: Sample) => number | null): (number | null)[] => {
    const out = new Array<number | null>(seconds).fill(null);
    for (const s of facts.timeline) {
      const v = pick(s);
      if (v !== null && s.t < seconds) out[Math.max(0, Math.floor(s.t))] = v;
    }
    for (let i = 1; i < out.length; i++) out[i] ??= out[i - 1]!;
    return out;
  };
  return {
    seconds: Array.from({ length: seconds }, (_, i) => i),
    arrivals: perSecond(
      at((r) => r.arrivedAt),
      t0,
      seconds,
    ),
    holds: perSecond(
      at((r) => r.heldAt),
      t0,
      seconds,
    ),
    tickets: ticketsSeries,
    ticketsCumulative: cumulative(ticketsSeries),
    remaining: bySecond((s) => s.remaining),
    queueWaiting: bySecond((s) => s.queueWaiting),
    queueAdmitted: bySecond((s) => s.queueAdmitted),
    active: bySecond((s) => s.active),
  };
}

const n = (v: number) => v.toLocaleString('en-US');

/** The terminal summary: what an operator reads first. */
export function summaryText(r: DropReport): string {
  const lines: string[] = [];
  const o = r.options;
  lines.push(
    `Drop ${r.runId}: ${n(o.fans)} clients (${n(o.bots)} bots), ${n(r.capacity.total)} places (${n(r.capacity.reserved)} reserved, ${n(r.capacity.ga)} standing), ${o.mode} mode, ${o.arrival} arrivals over ${o.arrivalSeconds} s, ${r.target.urls.length} API node(s)${r.target.selfStarted ? ' started for the run' : ` at ${r.target.urls[0]}`}`,
  );
  const seeded = r.registration.seeded;
  lines.push(
    `  setup ${r.durations.setupSeconds} s, ${n(r.registration.api)} registrations through the API ${r.durations.registerSeconds} s${seeded ? `, ${n(seeded.accounts)} accounts seeded in Postgres ${seeded.seconds} s (one shared scrypt hash, log2 N = ${seeded.scryptLogN})` : ''}, drop ${r.durations.driveSeconds} s`,
  );
  const w = r.waiting;
  if (o.mode !== 'queue') lines.push(`  ${w.processes} fan processes`);
  else {
    // How fans waited for admission: an open sale has no waiting, so nothing of it is printed.
    lines.push(
      `  ${w.processes} fan processes; websockets: ${n(w.socketClients)} clients (${n(w.socketsPerNode)} per node)`,
    );
    lines.push(
      `  waited on a socket: ${n(w.socketFans.joined)} fans (${n(w.socketFans.bought)} bought); by polling queue/me: ${n(w.pollingFans.joined)} fans (${n(w.pollingFans.bought)} bought), ${n(w.polls)} polls (${n(w.pollsNotModified)} × 304, ${n(w.pollsFailed)} failed), pauses up to ${w.pollMaxSeconds} s, token TTL ${w.tokenTtlSeconds} s; joins ${w.joinKey ? 'with' : 'without'} an Idempotency-Key`,
    );
  }
  if (o.mode === 'queue') lines.push(...awayLines(r));
  if (r.prequeue) {
    const q = r.prequeue;
    lines.push(
      `  pre-queue: ${n(q.joined)} joined, ${n(q.settled)}/${n(q.expected)} settled in ${q.seconds} s before the sale opened${q.capped ? ' (capped: not every join had settled)' : ''}`,
    );
  }
  lines.push('');
  const s = r.sale;
  lines.push(saleHeadline(r));
  lines.push(`  throughput ${s.ticketsPerSecond} tickets/s, ${s.ordersPerSecond} orders/s`);
  if (s.theoreticalMinSeconds !== null) {
    lines.push(
      `  theoretical minimum ${s.theoreticalMinSeconds} s (seats ÷ admission rate), ${s.theoreticalMinSecondsByGroup} s at the measured tickets per buyer`,
    );
  }
  if (r.cpu) {
    const c = r.cpu;
    lines.push(
      `CPU over ${c.seconds} s on ${c.cores} cores: ` +
        c.groups.map((g) => `${g.group} ${g.cpuSeconds} s (${pct(g.share)})`).join(', '),
    );
    const each = (group: string) =>
      c.processes
        .filter((p) => p.group === group)
        .map((p) => p.cpuSeconds)
        .join(' / ');
    lines.push(`  by process (s): api ${each('api')}; worker ${each('worker')}; fans ${each('fans')}`);
    const busy = c.timeline.filter((s) => Object.values(s.cores).reduce((a, b) => a + b, 0) >= c.cores * 0.95);
    if (busy.length > 0) {
      lines.push(
        `  saturated (≥ 95% of the cores) in ${busy.length} of ${c.timeline.length} samples, from ${busy[0]!.at} s to ${busy.at(-1)!.at} s of the sale`,
      );
    }
  }
  if (r.postgres) {
    const pg = r.postgres;
    lines.push(
      `Postgres: ${n(Math.round(pg.totalMs / 1000))} s of statement time (lock waits included) in ${n(pg.calls)} calls; the costliest:`,
    );
    for (const st of pg.top.slice(0, 6)) {
      lines.push(
        `  ${(st.totalMs / 1000).toFixed(1).padStart(7)} s ${n(st.calls).padStart(9)} × ${st.meanMs.toFixed(1).padStart(6)} ms  ${st.query.slice(0, 90)}`,
      );
    }
  }
  if (r.fanLoopDelay) {
    const d = r.fanLoopDelay;
    lines.push(
      `  fan processes’ event-loop delay (worst process): p50 ${d.p50Ms} ms, p99 ${d.p99Ms} ms, max ${d.maxMs} ms —` +
        ' a latency below includes up to this much of the simulated crowd’s own delay',
    );
  }
  for (const fault of r.faults) {
    lines.push(
      `Fault: ${fault.kind} of ${fault.target} at ${fault.atSeconds} s — ${fault.detail}${fault.recoveredAfterSeconds !== null ? `; back after ${fault.recoveredAfterSeconds} s` : ''}`,
    );
  }
  const f = r.fairness;
  lines.push(
    `Fairness: Spearman ρ = ${f.spearman ?? 'n/a'} over ${n(f.pairs)} ${f.mode === 'queue' ? 'pre-queue entries' : 'buyers (arrival vs purchase)'}${f.fifoViolations !== null ? `; FIFO after the draw: ${f.fifoViolations} out of order in ${n(f.fifoChecked)}` : ''}`,
  );
  lines.push(
    `Success: fans ${pct(r.success.fans.rate)} (${n(r.success.fans.bought)}/${n(r.success.fans.clients)}), bots ${r.success.bots.clients ? `${pct(r.success.bots.rate)} (${n(r.success.bots.bought)}/${n(r.success.bots.clients)})` : 'none'}` +
      Object.entries(r.success.botsByStyle)
        .map(([style, g]) => `; ${style} ${pct(g.rate)}`)
        .join(''),
  );
  lines.push(
    `Outcomes: ${Object.entries(r.outcomes)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${n(v)}`)
      .join(', ')}`,
  );
  lines.push('');
  lines.push(
    `${'latency (ms)'.padEnd(14)}${'count'.padStart(9)}${'p50'.padStart(9)}${'p90'.padStart(9)}${'p99'.padStart(9)}${'max'.padStart(10)}  p99 target`,
  );
  const byName = new Map(r.targets.map((t) => [t.name, t]));
  for (const [metric, p] of Object.entries(r.latency)) {
    if (p.count === 0) continue;
    const target = byName.get(`${metric} p99`);
    lines.push(
      `${metric.padEnd(14)}${n(p.count).padStart(9)}${p.p50.toFixed(1).padStart(9)}${p.p90.toFixed(1).padStart(9)}${p.p99.toFixed(1).padStart(9)}${p.max.toFixed(1).padStart(10)}  ${target ? `${target.target.padEnd(12)} ${target.met ? 'met' : 'MISSED'}` : '-'}`,
    );
  }
  for (const s of r.slow) {
    lines.push(
      `  ${s.metric}: ${n(s.over)} of ${n(s.count)} answers over ${n(s.targetMs)} ms, 90% of them between ${s.fromSecond} s and ${s.toSecond} s of the sale (most at ${s.peakSecond} s: ${n(s.peakOver)})`,
    );
  }
  lines.push('');
  lines.push(targetsLine(r.targets));
  lines.push('');
  const codes = (list: DropReport['errors']) =>
    list
      .slice(0, 12)
      .map((e) => `${e.endpoint} ${e.code} ×${n(e.count)}`)
      .join(', ') || 'none';
  lines.push(`Errors by code: ${codes(r.errors.filter((e) => !e.refusal))}`);
  lines.push(`Refusals by code (answers of a sale in its normal course): ${codes(r.errors.filter((e) => e.refusal))}`);
  lines.push('');
  if (r.audit) {
    lines.push(
      `Oversell audit (Postgres): ${r.audit.clean ? 'CLEAN' : 'VIOLATIONS'} — ${n(r.audit.totals.ticketsValid)} valid tickets for ${n(r.audit.totals.capacity)} places, ${n(r.audit.totals.ordersPaid)} paid orders, ${n(r.audit.totals.giftCardsChecked)} gift cards checked`,
    );
    for (const c of [...r.audit.checks, ...(r.queueChecks ?? []), ...(r.clientChecks ?? [])]) {
      lines.push(
        `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.ok ? '' : ` (${c.violations}): ${c.samples.slice(0, 3).join('; ')}`}`,
      );
    }
  } else {
    lines.push(`Oversell audit: skipped (${r.auditSkipped ?? 'no database'})`);
  }
  return lines.join('\n');
}

const pct = (rate: number) => `${(rate * 100).toFixed(1)}%`;
const sec = (ms: number) => (ms / 1000).toFixed(1);

/** Queue mode: the away fans, the purchase tokens from the server's records, and admission → hold per channel. */
export function awayLines(r: DropReport): string[] {
  const lines: string[] = [];
  const a = r.waiting.away;
  lines.push(
    `  away from the page (Web Push): ${n(a.joined)} fans (${n(a.bought)} bought); came back on the push ${n(a.reactedToTurn)}, on the reminder ${n(a.reactedToReminder)}, on a look without one ${n(a.reactedToLook)}; passes lapsed ${n(a.passExpired)}; ${n(a.pushes)} pushes decrypted, ${n(a.pushesRefused)} refused`,
  );
  const t = r.tokens;
  if (t) {
    lines.push(
      `  purchase tokens (Redis, Postgres): issued ${n(t.issued)}, used ${n(t.used)}, expired ${n(t.expired)}, still valid ${n(t.outstanding)}; holds made with a token ${n(t.holdsWithToken)}` +
        (t.claimedWithoutHold || t.holdsNotClaimed
          ? `; MISMATCH: ${n(t.claimedWithoutHold)} claimed without a hold, ${n(t.holdsNotClaimed)} holds not claimed`
          : ''),
    );
    for (const c of channels) {
      const by = t.byChannel[c];
      const p = t.admissionToHold[c];
      if (by.issued === 0) continue;
      lines.push(
        `    ${c.padEnd(6)} issued ${n(by.issued)}, used ${n(by.used)}, expired ${n(by.expired)}; admission → hold p50 ${sec(p.p50)} s, p90 ${sec(p.p90)} s, max ${sec(p.max)} s`,
      );
    }
  }
  for (const row of r.notices?.rows ?? [])
    lines.push(
      `  ${row.kind} by ${row.channel}: ${n(row.sent)} sent, ${n(row.skipped)} skipped (pass used), ${n(row.failed)} failed, ${n(row.pending)} pending`,
    );
  return lines;
}

/**
 * The sale in one line: sold out or not, and when; what was left unsold and why; how many fans
 * were told "sold out" (an outcome of a sale that sold out, not an error).
 */
export function saleHeadline(r: DropReport): string {
  const s = r.sale;
  const total = r.capacity.total;
  const head = `Sale: ${n(s.ticketsSold)} of ${n(total)} places sold in ${n(s.orders)} orders; `;
  const told = s.toldSoldOut > 0 ? `; ${n(s.toldSoldOut)} fans were told “sold out”` : '';
  if (s.allSold) return `${head}sold out: every place sold, the last after ${s.sellOutSeconds} s${told}`;
  if (s.soldOut)
    return (
      `${head}sold out after ${s.soldOutSeconds} s (nothing left to buy: every place sold or held)${told}; ` +
      `${n(s.unsold)} ${s.unsold === 1 ? 'place' : 'places'} held but not paid for, or back on sale after the crowd had gone (last sale at ${s.lastSaleSeconds ?? '-'} s)`
    );
  return (
    `${head}not sold out: ${n(s.unsold)} ${s.unsold === 1 ? 'place' : 'places'} left (last sale at ${s.lastSaleSeconds ?? '-'} s)` +
    (s.toldSoldOut > 0 ? `; ${n(s.toldSoldOut)} fans were told “sold out” while places were held by others` : '')
  );
}

/** Targets met and missed, naming each miss. */
export function targetsLine(targets: TargetCheck[]): string {
  if (targets.length === 0) return 'Targets (tools/simulator/targets.ts): nothing measured';
  const missed = targets.filter((t) => !t.met);
  return (
    `Targets (tools/simulator/targets.ts): ${targets.length - missed.length} of ${targets.length} met` +
    (missed.length ? `; MISSED: ${missed.map((t) => `${t.name} ${t.measured} (target ${t.target})`).join(', ')}` : '')
  );
}
