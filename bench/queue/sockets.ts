/**
 * bench:queue's socket figures (see bench/queue.ts): queue sockets held by the API nodes with
 * their RSS, and the time for one cursor broadcast to reach 99% of them, beside two bare
 * socket.io baselines measured in the same run by the same client processes:
 *
 *   bare, one node's share   one process holding ⌈sockets / nodes⌉ sockets: RSS per socket, and
 *                            the broadcast figure the issue quotes (a bare emit to ~20,000 sockets)
 *   bare, same scale         `nodes` processes holding all the sockets, split as the API nodes hold
 *                            them, told to emit at the same moment: what this machine allows at
 *                            this scale, with nothing of ours in the way
 *
 * All three emit the same cursor payload, so the bytes on every socket are the same. With
 * `profileDir`, every server and client process is CPU-profiled over the measured broadcasts
 * (profiling slows them: those figures are for the profiles, not for comparison).
 */
import type { ChildProcess } from 'node:child_process';
import type { AppRedis } from '../../src/infra/index.js';
import {
  createBroadcaster,
  eventRoom,
  type QueueCursorPush,
  type QueueServerToClient,
} from '../../src/realtime/index.js';
import { ask, cpuOf, KB, log, median, round1, rssOf, sleep, type Spawn } from './ipc.js';

export interface SocketBenchOptions {
  sockets: number;
  nodes: number;
  clientProcs: number;
  profileDir: string;
  redis: string;
}

interface Cast {
  p99Ms: (number | null)[];
  p50Ms: number[];
  received: number[];
  serverCpuUsPerMessage: number;
  clientCpuUsPerMessage: number;
}

const p99Of = (cast: Cast) => median(cast.p99Ms.map((m) => m ?? Infinity));
const ratio = (a: number, b: number) =>
  Number.isFinite(a) && Number.isFinite(b) && b > 0 ? Math.round((a / b) * 100) / 100 : null;

export async function benchSockets(
  o: SocketBenchOptions,
  spawn: Spawn,
  stop: (c: ChildProcess) => void,
  apiEnv: Record<string, string>,
  eventId: string,
  tokens: string[],
  redis: AppRedis,
  prefix: string,
) {
  const clients = await Promise.all(Array.from({ length: o.clientProcs }, () => spawn('clients')));
  const clientProcs = clients.map((c) => c.child);
  const connectAll = async (urls: string[], list: string[]) => {
    const per = Math.ceil(list.length / clients.length);
    const replies = await Promise.all(
      clients.map((c, i) =>
        ask<{ connected: number; failed: number; firstError: string; ms: number }>(
          c.child,
          { cmd: 'connect', urls, tokens: list.slice(i * per, (i + 1) * per), eventId, parallel: 100 },
          'connected',
        ),
      ),
    );
    return {
      connected: replies.reduce((s, r) => s + r.connected, 0),
      failed: replies.reduce((s, r) => s + r.failed, 0),
      firstError: replies.find((r) => r.firstError)?.firstError ?? '',
      ms: Math.max(...replies.map((r) => r.ms)),
    };
  };
  const closeAll = () => Promise.all(clients.map((c) => ask(c.child, { cmd: 'close' }, 'closed')));
  const cpuSum = async (children: ChildProcess[]) =>
    (await Promise.all(children.map(cpuOf))).reduce((a, b) => a + b, 0);
  // The same payload everywhere: the API nodes' cursor as the scheduler builds it.
  const cursor = (at: number): QueueCursorPush => ({
    eventId,
    cursor: 1,
    ratePerMinute: 0,
    phase: 'live',
    soldOut: false,
    at,
  });
  const profile = async (label: string, servers: ChildProcess[], cmd: 'profile-start' | 'profile-stop') => {
    if (!o.profileDir) return;
    const all = [
      ...servers.map((c, i) => [c, `${label}-server-${i}`] as const),
      ...clientProcs.map((c, i) => [c, `${label}-clients-${i}`] as const),
    ];
    await Promise.all(all.map(([c, name]) => ask(c, { cmd, file: `${o.profileDir}/${name}.cpuprofile` }, cmd)));
  };

  /**
   * Broadcasts `times` cursors after a warm-up one; for each, the time by which 99% of `expected` sockets had it
   * (null if fewer got it), the median, and the CPU the servers and the clients spent per
   * delivered message (over the 3 s window, so pings and timers count too).
   */
  const broadcastTimes = async (
    label: string,
    send: (push: QueueCursorPush) => void,
    servers: ChildProcess[],
    expected: number,
    times = 3,
  ): Promise<Cast> => {
    const out: (number | null)[] = [];
    const got: number[] = [];
    const p50: number[] = [];
    const serverUs: number[] = [];
    const clientUs: number[] = [];
    // One unmeasured broadcast first, as the join runs are warmed up: the first pass through
    // the broadcast path on every process (JIT, first-time allocations) is not the steady state.
    send(cursor(Date.now()));
    await sleep(3_000);
    await profile(label, servers, 'profile-start');
    for (let i = 0; i < times; i++) {
      await Promise.all(clients.map((c) => ask(c.child, { cmd: 'latencies' }, 'latencies')));
      const [server0, client0] = [await cpuSum(servers), await cpuSum(clientProcs)];
      const at = Date.now();
      send(cursor(at));
      await sleep(3_000);
      const [server1, client1] = [await cpuSum(servers), await cpuSum(clientProcs)];
      const replies = await Promise.all(
        clients.map((c) => ask<{ latencies: [number, number[]][] }>(c.child, { cmd: 'latencies' }, 'latencies')),
      );
      const lat = replies.flatMap((r) => r.latencies.find(([sent]) => sent === at)?.[1] ?? []).sort((a, b) => a - b);
      const need = Math.ceil(expected * 0.99);
      got.push(lat.length);
      out.push(lat.length >= need ? lat[need - 1]! : null);
      p50.push(lat[Math.floor(lat.length / 2)] ?? 0);
      serverUs.push(round1((server1 - server0) / Math.max(1, lat.length)));
      clientUs.push(round1((client1 - client0) / Math.max(1, lat.length)));
    }
    await profile(label, servers, 'profile-stop');
    return {
      p99Ms: out,
      p50Ms: p50,
      received: got,
      serverCpuUsPerMessage: median(serverUs),
      clientCpuUsPerMessage: median(clientUs),
    };
  };
  const describe = (cast: Cast) =>
    `to 99% in ${JSON.stringify(cast.p99Ms)} ms (50% in ${JSON.stringify(cast.p50Ms)}); CPU per message: servers ${cast.serverCpuUsPerMessage} µs, clients ${cast.clientCpuUsPerMessage} µs`;
  const perNode = Math.ceil(o.sockets / o.nodes);

  /** `count` bare socket.io processes holding `list` between them; their RSS per socket and broadcast times. */
  const bareRun = async (label: string, count: number, list: string[]) => {
    const bare = await Promise.all(Array.from({ length: count }, () => spawn('bare-io')));
    const before = await Promise.all(bare.map((b) => rssOf(b.child)));
    const conn = await connectAll(
      bare.map((b) => `ws://127.0.0.1:${b.port}`),
      list,
    );
    const after = await Promise.all(bare.map((b) => rssOf(b.child)));
    const kb = median(bare.map((_, i) => (after[i]! - before[i]!) / KB / Math.max(1, conn.connected / count)));
    // The coordinator tells every process in the same tick: they emit at the same moment.
    const cast = await broadcastTimes(
      label,
      (push) => {
        for (const b of bare) b.child.send({ cmd: 'broadcast', push });
      },
      bare.map((b) => b.child),
      conn.connected,
    );
    log(
      `bare socket.io, ${count} process(es): ${conn.connected} sockets, ${round1(kb)} KB each, broadcast ${describe(cast)}`,
    );
    await closeAll();
    for (const b of bare) stop(b.child);
    return { connected: conn.connected, kb, cast };
  };

  const bareOne = await bareRun('bare-one', 1, tokens.slice(0, perNode));
  const bareAll = await bareRun('bare-same-scale', o.nodes, tokens);

  // The API nodes, each holding its share of authenticated, watching queue sockets.
  const nodes = [];
  for (let i = 0; i < o.nodes; i++) nodes.push(await spawn('api', { ...apiEnv, NODE_ID: `bench-${i}` }));
  const before = await Promise.all(nodes.map((n) => rssOf(n.child)));
  const conn = await connectAll(
    nodes.map((n) => `ws://127.0.0.1:${n.port}`),
    tokens,
  );
  log(
    `API nodes: ${conn.connected} sockets connected in ${round1(conn.ms / 1000)} s (${conn.failed} failed${conn.firstError ? `: ${conn.firstError}` : ''})`,
  );
  const after = await Promise.all(nodes.map((n) => rssOf(n.child)));
  const perNodeKb = nodes.map((_, i) => round1((after[i]! - before[i]!) / KB / Math.max(1, conn.connected / o.nodes)));
  const broadcaster = createBroadcaster(
    redis,
    { REDIS_PREFIX: prefix, REDIS_URL: o.redis },
    {
      warn: (_details, message) => log(message),
    },
  );
  const sockets = broadcaster.namespace<QueueServerToClient>('/queue');
  const cast = await broadcastTimes(
    'api',
    (push) => sockets.to(eventRoom(eventId)).emit('cursor', push),
    nodes.map((n) => n.child),
    conn.connected,
  );
  await broadcaster.close();

  const apiKb = median(perNodeKb);
  const castMs = p99Of(cast);
  const bareOneMs = p99Of(bareOne.cast);
  const bareAllMs = p99Of(bareAll.cast);
  log(
    `queue sockets: ${conn.connected} over ${o.nodes} nodes, ${apiKb} KB each (per node ${JSON.stringify(perNodeKb)}) vs bare ${round1(bareOne.kb)} KB (target ≤ 20 KB)`,
  );
  log(`cursor broadcast, API nodes: ${describe(cast)}`);
  log(
    table([
      ['Fairdrop API nodes (through Redis)', conn.connected, o.nodes, castMs, null, cast],
      ['bare socket.io, same scale', bareAll.connected, o.nodes, bareAllMs, ratio(castMs, bareAllMs), bareAll.cast],
      ["bare socket.io, one node's share", bareOne.connected, 1, bareOneMs, ratio(castMs, bareOneMs), bareOne.cast],
    ]),
  );
  return {
    requested: o.sockets,
    connected: conn.connected,
    failed: conn.failed,
    nodes: o.nodes,
    clientProcesses: o.clientProcs,
    connectSeconds: round1(conn.ms / 1000),
    rssKbPerSocket: apiKb,
    rssKbPerSocketByNode: perNodeKb,
    bareRssKbPerSocket: round1(bareOne.kb),
    bareSockets: bareOne.connected,
    rssTargetKb: 20,
    rssMet: apiKb <= 20,
    broadcastP99Ms: castMs,
    broadcastRunsMs: cast.p99Ms,
    broadcastReceived: cast.received,
    broadcastP50Ms: cast.p50Ms,
    serverCpuUsPerMessage: cast.serverCpuUsPerMessage,
    clientCpuUsPerMessage: cast.clientCpuUsPerMessage,
    bareServerCpuUsPerMessage: bareOne.cast.serverCpuUsPerMessage,
    bareClientCpuUsPerMessage: bareOne.cast.clientCpuUsPerMessage,
    bareBroadcastP99Ms: bareOneMs,
    broadcastRatioVsBare: ratio(castMs, bareOneMs),
    bareSameScale: {
      sockets: bareAll.connected,
      processes: o.nodes,
      rssKbPerSocket: round1(bareAll.kb),
      broadcastP99Ms: bareAllMs,
      broadcastRunsMs: bareAll.cast.p99Ms,
      broadcastP50Ms: bareAll.cast.p50Ms,
      serverCpuUsPerMessage: bareAll.cast.serverCpuUsPerMessage,
      clientCpuUsPerMessage: bareAll.cast.clientCpuUsPerMessage,
    },
    broadcastRatioVsBareSameScale: ratio(castMs, bareAllMs),
    broadcastTargetMs: 1000,
    broadcastMet: castMs <= 1000,
    profiled: Boolean(o.profileDir),
  };
}

type TableRow = [name: string, sockets: number, processes: number, p99Ms: number, ratio: number | null, cast: Cast];

/** The broadcast figures side by side: ours, then each baseline with ours divided by it. */
function table(rows: TableRow[]): string {
  const head = [
    'cursor broadcast',
    'sockets',
    'processes',
    'to 99%, ms (median of runs)',
    'ours ÷ this',
    'servers µs/msg',
    'clients µs/msg',
  ];
  const cells = rows.map(([name, sockets, processes, ms, r, cast]) => [
    name,
    sockets.toLocaleString('en-US'),
    String(processes),
    Number.isFinite(ms) ? ms.toLocaleString('en-US') : 'fewer than 99% reached',
    r === null ? '–' : String(r),
    String(cast.serverCpuUsPerMessage),
    String(cast.clientCpuUsPerMessage),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}
