import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Infra } from '../../src/infra/types.js';
import type { EventTick } from '../../src/waitingroom/scheduler.js';
import { admissionModule } from '../../src/waitingroom/scheduler.jobs.js';
import { childEnv, createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { bulkAccounts } from '../support/sales.js';
import { queueSale, waitUntil } from '../support/waitingroom.js';

/**
 * The admission scheduler killed by SIGKILL inside a tick: a child process
 * (test/support/scheduler-node.ts) admits a batch — tokens issued, cursor moved in Redis — and
 * dies right there, holding the event's lock, its BullMQ job still active. Two schedulers in
 * this process (nodes B and C) must take over within two ticks of the schedule and carry on at
 * the next number: none admitted twice, none skipped.
 */
const TICK_MS = 500;
const FANS = 60;

type Tick = EventTick & { dueAt: number };
interface Killed {
  point: string;
  node: string;
  eventId: string;
  dueAt: number;
  admitted: { first: number; last: number };
}

let env: TestEnv;
let dataDir: string;
let child: ChildProcess | undefined;
let output = '';
const childTicks: Tick[] = [];
let killed: Killed | undefined;
let ready = false;
const ticks: Tick[] = [];
const schedulers: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  env = await createTestEnv({
    QUEUE_JOIN_LIMIT_PER_IP: '100000',
    AUTH_LIMIT_PER_IP: '100000',
    QUEUE_TICK_MS: String(TICK_MS),
  });
  dataDir = await mkdtemp(join(tmpdir(), 'fd-sched-kill-'));
});
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const s of schedulers) await s.close();
  await env?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function startChild(): { exited: Promise<NodeJS.Signals | number | null> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/support/scheduler-node.ts'], {
    cwd: process.cwd(),
    // The same prefix as this process (childEnv's default): the same queue keys and the same BullMQ schedule.
    env: childEnv(env, dataDir, { NODE_ID: 'node-k', QUEUE_TICK_MS: String(TICK_MS) }),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child = proc;
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  // Read as it comes, so the pipe never fills and blocks the child.
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    output += `${line}\n`;
    if (!line.startsWith('{')) return;
    const message = JSON.parse(line) as { ready?: string; tick?: Tick; killed?: Killed };
    if (message.ready) ready = true;
    if (message.tick) childTicks.push(message.tick);
    if (message.killed) killed = message.killed;
  });
  return { exited: new Promise((resolve) => proc.once('exit', (code, signal) => resolve(signal ?? code))) };
}

async function startScheduler(id: string): Promise<void> {
  const infra: Infra = { ...env.infra, config: { ...env.infra.config, NODE_ID: id } };
  const module = admissionModule({
    receipts: false,
    onTick: (reports, { dueAt }) => ticks.push(...reports.map((r) => ({ ...r, dueAt }))),
  });
  schedulers.push(await module.start(infra));
}

const numbersOf = (list: { admitted?: { first: number; last: number } }[]) =>
  list.flatMap((t) =>
    t.admitted ? Array.from({ length: t.admitted.last - t.admitted.first + 1 }, (_, i) => t.admitted!.first + i) : [],
  );

describe('the admission scheduler killed inside a tick', () => {
  it(
    'is taken over within two ticks by another node, which admits no number twice and skips none',
    { timeout: 180_000 },
    async () => {
      const organizer = await signedIn(env, ['organizer']);
      // 480 a minute is 4 a tick: 60 fans take 15 ticks, so the kill comes with most still waiting.
      const sale = await queueSale(env, organizer.userId, { startsInMs: 1_000, admitPerMinute: 480, gaCapacity: 500 });
      const fans = await bulkAccounts(env.infra.database.db, FANS);
      for (const f of fans) {
        const res = await fetch(`${env.server.url}/v1/events/${sale.eventId}/queue`, {
          method: 'POST',
          headers: { authorization: `Bearer ${f.token}` },
        });
        expect(res.status, await res.text()).toBe(201);
      }
      const ofSale = (list: Tick[]) => list.filter((t) => t.eventId === sale.eventId);

      // The child alone schedules until it has admitted some; then B and C join as candidates.
      const { exited } = startChild();
      await waitUntil(() => ready || child!.exitCode !== null, 90_000, 'the scheduler process to start');
      expect(ready, `the scheduler process exited before it was ready:\n${output}`).toBe(true);
      await waitUntil(
        () => ofSale(childTicks).some((t) => t.admitted),
        30_000,
        `an admitting tick in the scheduler process:\n${output}`,
      );
      await startScheduler('node-b');
      await startScheduler('node-c');

      // Armed, the child dies inside its next admitting tick.
      child!.send('arm');
      const how = await Promise.race([
        exited,
        new Promise<string>((r) => setTimeout(() => r('still running after 60 s'), 60_000)),
      ]);
      expect(how, output).toBe('SIGKILL');
      expect(killed, `no report of the kill in the child's output:\n${output}`).toBeDefined();
      const victim = killed!;
      expect(victim.eventId).toBe(sale.eventId);

      // The next non-locked tick by another node: one of the next two slots of the schedule.
      const after = () => ofSale(ticks).filter((t) => t.dueAt > victim.dueAt && t.outcome !== 'locked');
      await waitUntil(() => after().length > 0, 30_000, 'a tick on node B or C that was not locked out after the kill');
      const successor = after()[0]!;
      // Within two ticks: at most one tick of the schedule ran in between (locked out by the dead
      // tick's lock). Slots, not wall-clock time: a loaded machine delays runs, not the schedule.
      const between = ofSale(ticks).filter((t) => t.dueAt > victim.dueAt && t.dueAt < successor.dueAt);
      expect(
        new Set(between.map((t) => t.dueAt)).size,
        `killed in the tick due at ${victim.dueAt}; ticks since: ${ofSale(ticks)
          .filter((t) => t.dueAt > victim.dueAt)
          .map((t) => `+${t.dueAt - victim.dueAt} ms ${t.node} ${t.outcome}`)
          .join(', ')}`,
      ).toBeLessThanOrEqual(1);

      await waitUntil(
        () => ofSale(ticks).some((t) => t.admitted?.last === FANS),
        60_000,
        `all ${FANS} numbers admitted`,
      );
      const beforeKill = numbersOf(ofSale(childTicks));
      const fromKilledTick = numbersOf([victim]);
      const others = ofSale(ticks).sort((x, y) => (x.admitted?.first ?? 0) - (y.admitted?.first ?? 0));
      const byOthersAfter = numbersOf(others.filter((t) => t.dueAt > victim.dueAt));
      // The killed tick's batch counted once, and the survivors carry on at the very next number.
      expect(byOthersAfter[0], `the killed tick admitted ${victim.admitted.first}..${victim.admitted.last}`).toBe(
        victim.admitted.last + 1,
      );
      const all = [...beforeKill, ...numbersOf(others), ...fromKilledTick].sort((x, y) => x - y);
      expect(all).toEqual(Array.from({ length: FANS }, (_, i) => i + 1));

      // What each fan sees: admitted with a token, the numbers exactly 1..FANS.
      const views = await Promise.all(
        fans.map(async (f) => {
          const res = await fetch(`${env.server.url}/v1/events/${sale.eventId}/queue/me`, {
            headers: { authorization: `Bearer ${f.token}` },
          });
          expect(res.status).toBe(200);
          return (await res.json()) as { ticketNumber: number | null; status: string; token: string | null };
        }),
      );
      expect(views.map((v) => v.ticketNumber).sort((x, y) => x! - y!)).toEqual(
        Array.from({ length: FANS }, (_, i) => i + 1),
      );
      expect(
        views
          .filter((v) => v.status !== 'admitted' || !v.token?.startsWith('pt_'))
          .map((v) => `${v.ticketNumber} ${v.status}`),
      ).toEqual([]);
    },
  );
});
