import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Infra } from '../../src/infra/types.js';
import type { QueueAdmittedPush } from '../../src/realtime/events.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { EventTick } from '../../src/waitingroom/scheduler.js';
import { admissionModule } from '../../src/waitingroom/scheduler.jobs.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { bulkAccounts } from '../support/sales.js';
import { queueSale, queueSocket, waitUntil, type QueueClient } from '../support/waitingroom.js';

/**
 * Three API nodes on port 0 sharing one Redis and one database, each able to run the admission
 * scheduler. The scheduler is one BullMQ job id: whichever node is free takes a tick; a fan is
 * served by whichever node their socket reached.
 *
 * Every wait has a deadline and says what it waited for; every node is stopped in afterAll
 * whatever happened. (This file hung a full run once: the node it stopped could be node B, and a
 * node holding `/queue` sockets never finished closing — fixed in src/server.ts, and the node
 * stopped here is now always the one whose scheduler ran the latest tick, never B, whose sockets
 * the fans need.)
 */
const TICK_MS = 500;
const FANS = 80;

interface Node {
  id: string;
  infra: Infra;
  server: RunningServer;
  scheduler?: { close(): Promise<void> };
}
interface Tick extends EventTick {
  dueAt: number;
}

let env: TestEnv;
const nodes: Node[] = [];
const ticks: Tick[] = [];
/** Called with each of node A's ticks (the test stops A from here). */
let onNodeA: ((mine: Tick[]) => void) | undefined;
const sockets: QueueClient[] = [];

beforeAll(async () => {
  env = await createTestEnv({
    QUEUE_JOIN_LIMIT_PER_IP: '100000',
    AUTH_LIMIT_PER_IP: '100000',
    QUEUE_TICK_MS: String(TICK_MS),
  });
  for (const id of ['node-a', 'node-b', 'node-c']) {
    const infra: Infra = { ...env.infra, config: { ...env.infra.config, NODE_ID: id } };
    nodes.push({ id, infra, server: id === 'node-a' ? env.server : await startServer(infra) });
  }
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  for (const n of nodes) await stopNode(n);
  await env?.close();
});

/** Stops a node's scheduler (its tick in progress finishes first) and its HTTP and socket server. */
async function stopNode(node: Node): Promise<void> {
  const scheduler = node.scheduler;
  node.scheduler = undefined;
  await scheduler?.close();
  await node.server.close();
}

function startScheduler(node: Node, onTick?: (mine: Tick[]) => void): Promise<void> {
  const module = admissionModule({
    receipts: false,
    onTick: (reports, { dueAt }) => {
      const mine = reports.map((r) => ({ ...r, dueAt }));
      ticks.push(...mine);
      onTick?.(mine);
    },
  });
  return module.start(node.infra).then((handle) => void (node.scheduler = handle));
}

const numbersOf = (list: Tick[]) =>
  list.flatMap((t) => (t.admitted ? Array.from({ length: t.admitted.count }, (_, i) => t.admitted!.first + i) : []));
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('the waiting room across three API nodes', () => {
  // Three nodes, each running the scheduler, on a 2-core machine shared with the rest of the
  // suite: each wait inside has its own deadline; the overall budget only bounds their sum.
  it(
    'pushes admissions made by the scheduler on node A to a fan on node B, and survives losing the scheduler’s node',
    { timeout: 180_000 },
    async () => {
      const [a, b, c] = nodes as [Node, Node, Node];
      const organizer = await signedIn(env, ['organizer']);
      // 240 a minute is 2 a tick: 80 fans take 40 ticks, so admission is still going when node A
      // stops, even on a loaded machine (at 4 a tick, a CI run saw node A admit all 80 first).
      const sale = await queueSale(env, organizer.userId, { startsInMs: 1_500, admitPerMinute: 240, gaCapacity: 500 });
      const ofSale = () => ticks.filter((t) => t.eventId === sale.eventId);
      const fans = await bulkAccounts(env.infra.database.db, FANS);
      for (const [i, f] of fans.entries()) {
        const port = nodes[i % 3]!.server.port;
        const res = await fetch(`http://127.0.0.1:${port}/v1/events/${sale.eventId}/queue`, {
          method: 'POST',
          headers: { authorization: `Bearer ${f.token}` },
        });
        expect(res.status, await res.text()).toBe(201);
      }
      // Every fan's socket on node B.
      const pushes = new Map<string, QueueAdmittedPush[]>();
      for (const f of fans) {
        const socket = await queueSocket(b.server.port, f.token, sockets);
        pushes.set(f.userId, []);
        socket.on('admitted', (p) => pushes.get(f.userId)!.push(p));
      }
      const pushed = () => [...pushes.values()].flat();

      // Only node A schedules at first: its admissions reach fans whose sockets are on node B.
      await startScheduler(a, (mine) => onNodeA?.(mine));
      await waitUntil(
        () => ofSale().some((t) => t.admitted),
        30_000,
        'the first admitting tick (node A alone schedules)',
      );
      const firstAdmitting = ofSale().find((t) => t.admitted)!;
      expect(firstAdmitting.node).toBe('node-a');
      const firstNumbers = numbersOf([firstAdmitting]);
      await waitUntil(
        () => firstNumbers.every((n) => pushed().some((p) => p.ticketNumber === n)),
        15_000,
        `pushes on node B for numbers ${firstNumbers.join(', ')} admitted by node A`,
      );

      // B and C become candidates; node A is stopped right after its next tick, while it is the
      // node running the scheduler. B keeps the fans' sockets.
      await startScheduler(b);
      await startScheduler(c);
      let stopping: Promise<void> | undefined;
      onNodeA = (mine) => {
        if (stopping || !mine.some((t) => t.eventId === sale.eventId)) return;
        // Not awaited here: this runs inside A's tick, which the scheduler's close waits for.
        stopping = stopNode(a);
      };
      await waitUntil(() => stopping !== undefined, 30_000, 'a tick on node A after B and C became candidates');
      await stopping;
      // A tick A had already fetched when it began closing would have run first: take its last one.
      const victim = ofSale()
        .filter((t) => t.node === 'node-a')
        .at(-1)!;

      await waitUntil(
        () => ofSale().some((t) => t.node !== 'node-a' && t.dueAt > victim.dueAt && t.outcome !== 'locked'),
        30_000,
        'a tick on node B or C after node A stopped',
      );
      const successor = ofSale().find((t) => t.node !== 'node-a' && t.dueAt > victim.dueAt && t.outcome !== 'locked')!;
      // Within two ticks: at most one tick of the schedule ran between A's last and the successor's
      // (slots, not wall-clock time: a loaded machine delays runs, not the schedule).
      const between = ofSale().filter((t) => t.dueAt > victim.dueAt && t.dueAt < successor.dueAt);
      expect(
        new Set(between.map((t) => t.dueAt)).size,
        `node A's last tick was due at ${victim.dueAt}; ticks since: ${ofSale()
          .filter((t) => t.dueAt > victim.dueAt)
          .map((t) => `+${t.dueAt - victim.dueAt} ms ${t.node} ${t.outcome}`)
          .join(', ')}`,
      ).toBeLessThanOrEqual(1);

      await waitUntil(() => ofSale().some((t) => t.admitted?.last === FANS), 60_000, `all ${FANS} numbers admitted`);
      await waitUntil(
        () => [...pushes.values()].every((p) => p.length > 0),
        15_000,
        'an admitted push for every fan on node B',
      );
      // No number admitted twice or skipped, whichever node admitted it: by the ticks' reports…
      const admitted = numbersOf(ofSale().sort((x, y) => (x.admitted?.first ?? 0) - (y.admitted?.first ?? 0)));
      expect(admitted).toEqual(oneTo(FANS));
      // …and by what the fans received: one push each, the numbers exactly 1..FANS.
      expect([...pushes.values()].map((p) => p.length)).toEqual(fans.map(() => 1));
      expect(
        pushed()
          .map((p) => p.ticketNumber)
          .sort((x, y) => x - y),
      ).toEqual(oneTo(FANS));
      expect(pushed().every((p) => p.token.startsWith('pt_'))).toBe(true);
      // Both sides of the handover admitted some of them.
      const before = numbersOf(ofSale().filter((t) => t.dueAt <= victim.dueAt));
      const after = numbersOf(ofSale().filter((t) => t.dueAt > victim.dueAt));
      expect(before.length, 'numbers admitted while node A ran the scheduler').toBeGreaterThan(0);
      expect(after.length, 'numbers admitted after node A stopped').toBeGreaterThan(0);
      expect(after[0], 'the successor continues at the number after node A’s last').toBe(before.at(-1)! + 1);
    },
  );
});
