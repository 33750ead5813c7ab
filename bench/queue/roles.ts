/**
 * The child processes of `npm run bench:queue`, one role each (argv: --role <name>), talking
 * to the coordinator over IPC. Each server role reports its port once listening and answers
 * `{ cmd: 'rss' }` with its RSS after a full GC (children run with --expose-gc), and `{ cmd: 'cpu' }`
 * with the CPU time it has used (user and system, µs).
 *
 *   api      a real Fairdrop API node (boot + startServer, RUN_WORKERS=false)
 *   bare-http  Express 5 with one JSON endpoint: the HTTP baseline
 *   bare-io  socket.io with a `/queue` namespace that joins a room on `watch`: the socket baseline
 *   clients  N raw engine.io/socket.io websocket clients (protocol v4, no socket.io-client
 *            objects, so the client side stays small): connect, authenticate, watch, time cursors
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Server } from 'socket.io';
import WebSocket from 'ws';

type Message = { cmd: string; [key: string]: unknown };
const send = (m: Record<string, unknown>) => process.send?.(m);
const gc = () => (globalThis as { gc?: () => void }).gc?.();

async function rss(): Promise<number> {
  // Twice, with a pause: socket.io and ws free some buffers only after a tick.
  gc();
  await new Promise((r) => setTimeout(r, 200));
  gc();
  return process.memoryUsage().rss;
}

function onCommand(handler: (m: Message) => Promise<void> | void): void {
  process.on('message', (m: Message) => {
    if (m.cmd === 'rss') void rss().then((bytes) => send({ cmd: 'rss', bytes }));
    else if (m.cmd === 'cpu') send({ cmd: 'cpu', ...process.cpuUsage() });
    else if (m.cmd === 'exit') process.exit(0);
    else void handler(m);
  });
  // The coordinator died: do not linger.
  process.on('disconnect', () => process.exit(0));
}

export async function runRole(role: string): Promise<void> {
  if (role === 'api') {
    const { boot } = await import('../../src/boot.js');
    const { loadConfig } = await import('../../src/config.js');
    const { startServer } = await import('../../src/server.js');
    const { infra } = await boot(loadConfig(process.env));
    const server = await startServer(infra);
    onCommand(() => {});
    send({ cmd: 'ready', port: server.port });
    return;
  }
  if (role === 'bare-http') {
    const app = express();
    app.use(express.json());
    // About the size of a join receipt, so both sides write similar bodies.
    app.post('/v1/events/:id/queue', (req, res) => {
      res.status(201).json({ eventId: req.params.id, entryId: 'x'.repeat(22), joinedAt: Date.now(), phase: 'prequeue', ticketNumber: null, position: null, eta: null, signature: 's'.repeat(86), keyId: 'k'.repeat(12) });
    });
    const http = createServer(app);
    http.keepAliveTimeout = 65_000;
    http.listen(0, '127.0.0.1', () => send({ cmd: 'ready', port: (http.address() as AddressInfo).port }));
    onCommand(() => {});
    return;
  }
  if (role === 'bare-io') {
    const http = createServer();
    // The gateway's settings (no compression), without Redis, sessions or snapshots.
    const io = new Server(http, { perMessageDeflate: false, pingInterval: 25_000, pingTimeout: 20_000 });
    io.of('/queue').on('connection', (socket) => {
      socket.on('watch', (payload: { eventId: string }, ack?: (a: unknown) => void) => {
        void socket.join(`event:${payload.eventId}`);
        ack?.({ ok: true });
      });
    });
    http.listen(0, '127.0.0.1', () => send({ cmd: 'ready', port: (http.address() as AddressInfo).port }));
    onCommand((m) => {
      if (m.cmd === 'broadcast') io.of('/queue').to(`event:${String(m.eventId)}`).emit('cursor', { eventId: m.eventId, cursor: 1, at: Date.now() });
    });
    return;
  }
  if (role === 'clients') {
    await runClients();
    return;
  }
  throw new Error(`unknown role ${role}`);
}

/**
 * A broadcast is the same bytes on every socket: compare them with the last cursor's and parse
 * only a new one, once per process. Thousands of sockets share this process's CPU, where a real
 * page would handle its one copy on its own device; the clients' CPU is taken from the servers
 * being measured, so the hot path stays on bytes.
 */
const CURSOR_PREFIX = Buffer.from('42/queue,["cursor"');
let lastCursor = Buffer.alloc(0);
let lastAt = 0;
function cursorAt(frame: Buffer): number {
  if (!frame.equals(lastCursor)) {
    lastCursor = Buffer.from(frame);
    lastAt = (JSON.parse(frame.toString('utf8', '42/queue,'.length)) as [string, { at: number }])[1].at;
  }
  return lastAt;
}

/** One raw socket.io client over a websocket: open, CONNECT /queue with the token, watch, answer pings. */
function connectOne(url: string, token: string, eventId: string, onCursor: (at: number) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false, skipUTF8Validation: true });
    const timer = setTimeout(() => reject(new Error('connect timeout')), 120_000);
    ws.on('message', (data: Buffer) => {
      if (data.length >= CURSOR_PREFIX.length && data.compare(CURSOR_PREFIX, 0, CURSOR_PREFIX.length, 0, CURSOR_PREFIX.length) === 0) return onCursor(cursorAt(data));
      const text = data.toString();
      if (text === '2') return void ws.send('3');
      if (text.startsWith('0')) return void ws.send(`40/queue,${JSON.stringify({ token })}`);
      if (text.startsWith('40/queue,')) return void ws.send(`42/queue,1${JSON.stringify(['watch', { eventId }])}`);
      if (text.startsWith('44/queue,')) return reject(new Error(`refused: ${text}`));
      if (text.startsWith('43/queue,1')) {
        clearTimeout(timer);
        const ack = JSON.parse(text.slice('43/queue,1'.length)) as [{ ok: boolean }];
        return ack[0].ok ? resolve(ws) : reject(new Error(`watch refused: ${text}`));
      }
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function runClients(): Promise<void> {
  const sockets: WebSocket[] = [];
  let latencies: number[] = [];
  onCommand(async (m) => {
    if (m.cmd === 'connect') {
      const { urls, tokens, eventId, parallel } = m as unknown as { urls: string[]; tokens: string[]; eventId: string; parallel: number };
      let next = 0;
      let failed = 0;
      let firstError = '';
      const started = Date.now();
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          while (next < tokens.length) {
            const i = next++;
            try {
              sockets.push(await connectOne(urls[i % urls.length]!, tokens[i]!, eventId, (at) => latencies.push(Date.now() - at)));
            } catch (err) {
              failed++;
              firstError ||= (err as Error).message;
            }
          }
        }),
      );
      send({ cmd: 'connected', connected: sockets.length, failed, firstError, ms: Date.now() - started });
    } else if (m.cmd === 'latencies') {
      send({ cmd: 'latencies', latencies });
      latencies = [];
    } else if (m.cmd === 'close') {
      for (const s of sockets) s.terminate();
      sockets.length = 0;
      send({ cmd: 'closed' });
    }
  });
  send({ cmd: 'ready', port: 0 });
}
