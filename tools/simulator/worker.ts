import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FAN_PASSWORD, fanEmail, fanName } from './accounts.js';
import { openAdmission, queueAdmission, type AdmissionStrategy, type SaleStart } from './admission.js';
import { newRecord, runFan, type FanEnv } from './fan.js';
import { ApiClient, FailoverClient } from './http.js';
import { PushInbox } from './push-inbox.js';
import {
  emptyCounters,
  emptySamples,
  type Account,
  type ErrorCounts,
  type FanRecord,
  type FromWorker,
  type ToWorker,
} from './types.js';

/**
 * A fan process (started by fan-process.ts) running a share of the crowd: registering its
 * accounts, then playing its fans. Each process has its own keep-alive agents, sockets and
 * open-file limit, so the processes spread both the client-side work and the descriptors.
 */

if (!process.send) throw new Error('tools/simulator/worker.ts runs as a forked fan process');
// A parent that went away (EPIPE) leaves nobody to report to: the 'disconnect' handler below exits.
const send = (message: FromWorker) =>
  void (process.connected && process.send?.(message, undefined, {}, () => undefined));
const clients = new Map<string, ApiClient>();
const client = (url: string) => {
  let c = clients.get(url);
  if (!c) clients.set(url, (c = new ApiClient(url)));
  return c;
};
let stopped = false;
/** Queue mode: the sale's real timing, set by the runner's `sale` message once the lottery is drawn. */
let onSale: ((message: Extract<ToWorker, { type: 'sale' }>) => void) | null = null;

/** Runs `task` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length && !stopped) await task(items[next++]!);
    }),
  );
}

async function register(urls: string[], from: number, to: number, runId: string): Promise<void> {
  const accounts: [number, Account][] = [];
  const samples: number[] = [];
  const errors: ErrorCounts = {};
  const counters = emptyCounters();
  const ticker = setInterval(() => send({ type: 'progress', counters: { ...counters } }), 250);
  const indexes = Array.from({ length: to - from }, (_, i) => from + i);
  await pool(indexes, 24, async (i) => {
    const api = client(urls[i % urls.length]!);
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await api.call<{ token: string; user: { id: string } }>('POST', '/v1/auth/register', {
        email: fanEmail(i, runId),
        password: FAN_PASSWORD,
        displayName: fanName(i),
      });
      samples.push(Math.round(res.ms * 10) / 10);
      if (res.status === 201) {
        accounts.push([i, { token: res.body.token, userId: res.body.user.id }]);
        counters.registered++;
        return;
      }
      const key = `register ${res.code ?? `http_${res.status}`}`;
      errors[key] = (errors[key] ?? 0) + 1;
      if (res.status !== 0 && res.status !== 429 && res.status < 500) return;
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  });
  clearInterval(ticker);
  send({ type: 'registered', accounts, samples, errors });
}

async function run(message: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  // This process's own lateness, so the report can tell the crowd's delay from the servers'.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const counters = emptyCounters();
  const samples = emptySamples();
  const answeredAt = emptySamples();
  const errors: ErrorCounts = {};
  const { target } = message;
  // Fan i belongs to node i mod n, as a balancer spreads them; a dead node's fans move on.
  const nodes = new FailoverClient(target.urls.map((url) => client(url)));
  // Away fans' pushes come to a receiver of this process, each decrypted with its fan's keys.
  const inbox = message.personas.some((p) => p.away)
    ? await PushInbox.start((ok) => void (ok ? counters.pushes++ : counters.pushesRefused++))
    : null;
  const admission: AdmissionStrategy =
    target.mode === 'queue'
      ? queueAdmission(
          (fan, attempt) => nodes.urlOf(nodes.live(fan.record.index) + attempt),
          {
            maxMs: target.pollMaxMs,
            tokenTtlMs: target.tokenTtlMs,
            joinKey: target.joinKey,
            awayLookMs: target.awayLookMs,
          },
          inbox,
        )
      : openAdmission;
  const ticker = setInterval(() => send({ type: 'progress', counters: { ...counters } }), 250);
  const records: FanRecord[] = [];
  // One clock for every fan of the process: the deadline moves when the sale opens.
  const timing = { deadline: message.deadline };
  let started: (start: SaleStart) => void = () => {};
  const saleStart = new Promise<SaleStart>((resolve) => (started = resolve));
  const drawn = new Promise<number>((resolve) => {
    onSale = (sale) => {
      timing.deadline = sale.deadline;
      started({ at: sale.saleStartsAt, returnWindowMs: sale.returnWindowMs });
      resolve(sale.drawnAt);
    };
  });
  // Open mode: the sale starts at the start.
  if (target.mode === 'open') started({ at: message.startAt, returnWindowMs: 0 });
  await Promise.all(
    message.personas.map(async (persona) => {
      const record = newRecord(persona);
      records.push(record);
      const account = message.accounts[persona.account];
      if (!account) {
        record.outcome = 'error';
        record.lastError = 'account_not_registered';
        return;
      }
      const env: FanEnv = {
        api: nodes.pinned(persona.index),
        target,
        admission,
        giftCards: message.giftCards,
        startAt: message.startAt,
        get deadline() {
          return timing.deadline;
        },
        drawn,
        saleStart,
        samples,
        answeredAt,
        errors,
        counters,
      };
      try {
        await runFan(persona, account, env, record);
      } catch (err) {
        record.outcome = 'error';
        record.lastError = err instanceof Error ? err.message : String(err);
      }
    }),
  );
  clearInterval(ticker);
  await inbox?.close();
  delay.disable();
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  const loopDelay = { p50Ms: ms(delay.percentile(50)), p99Ms: ms(delay.percentile(99)), maxMs: ms(delay.max) };
  send({ type: 'done', records, samples, answeredAt, errors, counters: { ...counters }, loopDelay });
}

// The simulator went away (crashed, killed): nothing is left to report to.
process.on('disconnect', () => process.exit(0));
process.on('message', (message: ToWorker) => {
  if (message.type === 'sale') return onSale?.(message);
  const task =
    message.type === 'register'
      ? register(message.urls, message.from, message.to, message.runId)
      : message.type === 'run'
        ? run(message)
        : null;
  if (message.type === 'stop') {
    stopped = true;
    for (const c of clients.values()) c.close();
    process.exit(0);
  }
  task?.catch((err: unknown) =>
    send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
