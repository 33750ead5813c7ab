import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Infra } from '../../src/app.js';
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
 */
const TICK_MS = 300;

let env: TestEnv;
const nodes: { id: string; infra: Infra; server: RunningServer; scheduler?: { close(): Promise<void> } }[] = [];
const ticks: (EventTick & { at: number })[] = [];
const sockets: QueueClient[] = [];

beforeAll(async () => {
  env = await createTestEnv({ QUEUE_JOIN_LIMIT_PER_IP: '100000', AUTH_LIMIT_PER_IP: '100000', QUEUE_TICK_MS: String(TICK_MS) });
  for (const id of ['node-a', 'node-b', 'node-c']) {
    const infra: Infra = { ...env.infra, config: { ...env.infra.config, NODE_ID: id } };
    nodes.push({ id, infra, server: id === 'node-a' ? env.server : await startServer(infra) });
  }
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  for (const n of nodes) await n.scheduler?.close();
  await Promise.all(nodes.slice(1).map((n) => n.server.close()));
  await env?.close();
});

const startScheduler = async (node: (typeof nodes)[number]) => {
  node.scheduler = await admissionModule({ receipts: false, onTick: (t) => ticks.push(...t.map((x) => ({ ...x, at: Date.now() }))) }).start(node.infra);
};

describe('the waiting room across three API nodes', () => {
  // Three nodes, each running the scheduler, on a 2-core machine shared with the rest of the
  // suite: the waits inside are what the test checks; the overall budget only bounds it.
  it('pushes admissions made by the scheduler on node A to a fan on node B, and survives losing the scheduler’s node', { timeout: 180_000 }, async () => {
    const organizer = await signedIn(env, ['organizer']);
    const sale = await queueSale(env, organizer.userId, { startsInMs: 1_500, admitPerMinute: 400, gaCapacity: 500 });
    const fans = await bulkAccounts(env.infra.database.db, 40);
    for (const [i, f] of fans.entries()) {
      const port = nodes[i % 3]!.server.port;
      const res = await fetch(`http://127.0.0.1:${port}/v1/events/${sale.eventId}/queue`, { method: 'POST', headers: { authorization: `Bearer ${f.token}` } });
      expect(res.status).toBe(201);
    }
    // Every fan's socket on node B.
    const pushes = new Map<string, QueueAdmittedPush[]>();
    for (const f of fans) {
      const socket = await queueSocket(nodes[1]!.server.port, f.token, sockets);
      pushes.set(f.userId, []);
      socket.on('admitted', (p) => pushes.get(f.userId)!.push(p));
    }

    // Only node A schedules at first.
    await startScheduler(nodes[0]!);
    await waitUntil(() => [...pushes.values()].some((p) => p.length > 0) && ticks.some((t) => t.admitted), 15_000, 'a first admission');
    const firstAdmitting = ticks.find((t) => t.eventId === sale.eventId && t.admitted);
    expect(firstAdmitting?.node).toBe('node-a');

    // B and C become candidates too; then the node that ran the latest tick stops.
    await startScheduler(nodes[1]!);
    await startScheduler(nodes[2]!);
    await new Promise((r) => setTimeout(r, 5 * TICK_MS));
    const last = ticks.filter((t) => t.eventId === sale.eventId).at(-1)!;
    const victim = nodes.find((n) => n.id === last.node)!;
    const stoppedAt = Date.now();
    await victim.scheduler!.close();
    victim.scheduler = undefined;
    if (victim.id !== 'node-a') await victim.server.close();
    const takeover = await (async () => {
      await waitUntil(() => ticks.some((t) => t.eventId === sale.eventId && t.node !== victim.id && t.at > stoppedAt), 10_000, 'another scheduler');
      return ticks.find((t) => t.eventId === sale.eventId && t.node !== victim.id && t.at > stoppedAt)!;
    })();
    // Within two ticks of the stop (plus the tick's own few milliseconds of work).
    expect(takeover.at - stoppedAt).toBeLessThan(2 * TICK_MS + 150);

    await waitUntil(() => [...pushes.values()].every((p) => p.length > 0) && ticks.some((t) => t.admitted?.last === 40), 30_000, 'everyone admitted');
    const admitted = ticks
      .filter((t) => t.eventId === sale.eventId && t.admitted)
      .sort((a, b) => a.admitted!.first - b.admitted!.first)
      .flatMap((t) => Array.from({ length: t.admitted!.count }, (_, i) => t.admitted!.first + i));
    // No number admitted twice or skipped, whichever node admitted it.
    expect(admitted).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const numbers = [...pushes.values()].map((p) => p[0]!.ticketNumber).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect([...pushes.values()].every((p) => p.length === 1 && p[0]!.token.startsWith('pt_'))).toBe(true);
    expect(new Set(ticks.filter((t) => t.admitted).map((t) => t.node)).size).toBeGreaterThan(1);
  });
});
