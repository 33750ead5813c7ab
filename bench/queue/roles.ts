/**
 * The child processes of `npm run bench:queue`, one role each (argv: --role <name>), talking
 * to the coordinator over IPC. Each server role reports its port once listening and answers
 * `{ cmd: 'rss' }` with its RSS after a full GC (children run with --expose-gc), and `{ cmd: 'cpu' }`
 * with the CPU time it has used (user and system, µs).
 *
 *   api      a real Fairdrop API node (boot + startServer, RUN_WORKERS=false)
 *   bare-http  Express 5 with two JSON endpoints (the join, the poll): the HTTP baseline
 *   bare-node  node:http answering a 304 to a constant ETag: the floor of a revalidated poll
 *   bare-io  socket.io with a `/queue` namespace that joins a room on `watch`: the socket baseline
 *   clients  N raw socket.io clients (protocol v4 over websocket frames written by hand on TCP
 *            sockets, so the client side stays small): connect, authenticate, watch, time cursors
 */
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Session } from 'node:inspector/promises';
import { connect, type AddressInfo } from 'node:net';
import express from 'express';
import { Server } from 'socket.io';

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

/** The V8 sampling profiler of this process, between `profile-start` and `profile-stop` (bench:queue --profile). */
let profiler: Session | null = null;
async function profile(m: Message): Promise<void> {
  if (m.cmd === 'profile-start') {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    // 200 µs: a broadcast spends tens of µs per socket, the default 1 ms would see too few samples.
    await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
    await profiler.post('Profiler.start');
  } else if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    await mkdir(dirname(String(m.file)), { recursive: true });
    await writeFile(String(m.file), JSON.stringify(profile));
    profiler.disconnect();
    profiler = null;
  }
  send({ cmd: m.cmd });
}

function onCommand(handler: (m: Message) => Promise<void> | void): void {
  process.on('message', (m: Message) => {
    if (m.cmd === 'rss') void rss().then((bytes) => send({ cmd: 'rss', bytes }));
    else if (m.cmd === 'cpu') send({ cmd: 'cpu', ...process.cpuUsage() });
    else if (m.cmd === 'profile-start' || m.cmd === 'profile-stop') void profile(m);
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
      res.status(201).json({
        eventId: req.params.id,
        entryId: 'x'.repeat(22),
        joinedAt: Date.now(),
        phase: 'prequeue',
        ticketNumber: null,
        position: null,
        eta: null,
        signature: 's'.repeat(86),
        keyId: 'k'.repeat(12),
      });
    });
    // About the size of a pre-queue fan's answer; res.json adds Express' ETag and answers 304 to a matching If-None-Match.
    app.get('/v1/events/:id/queue/me', (req, res) => {
      res.json({
        eventId: req.params.id,
        phase: 'prequeue',
        cursor: 0,
        soldOut: false,
        joined: true,
        entryId: 'x'.repeat(22),
        ticketNumber: null,
        position: null,
        eta: null,
        status: 'entered',
        token: null,
        tokenExpiresAt: null,
        pollAfter: 60,
      });
    });
    const http = createServer(app);
    http.keepAliveTimeout = 65_000;
    http.listen(0, '127.0.0.1', () => send({ cmd: 'ready', port: (http.address() as AddressInfo).port }));
    onCommand(() => {});
    return;
  }
  if (role === 'bare-node') {
    // The floor of a revalidated poll: Node's own HTTP server comparing If-None-Match with a
    // constant ETag and answering 304, nothing else (no router, session, state or hashing).
    const body = JSON.stringify({ phase: 'prequeue', status: 'entered', entryId: 'x'.repeat(22), pollAfter: 60 });
    const etag = 'W/"bare-node"';
    const http = createServer((req, res) => {
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { ETag: etag, 'Retry-After': '60' });
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', ETag: etag, 'Retry-After': '60' });
      res.end(body);
    });
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
      // Nothing but the emit, of the payload the API nodes send.
      if (m.cmd === 'broadcast') {
        const push = m.push as { eventId: string };
        io.of('/queue').to(`event:${push.eventId}`).emit('cursor', push);
      }
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
function cursorAt(data: Buffer, start: number, end: number): number {
  if (end - start !== lastCursor.length || data.compare(lastCursor, 0, lastCursor.length, start, end) !== 0) {
    lastCursor = Buffer.from(data.subarray(start, end));
    lastAt = (JSON.parse(lastCursor.toString('utf8', '42/queue,'.length)) as [string, { at: number }])[1].at;
  }
  return lastAt;
}

/** Every client socket of this process reads into this buffer (see connectOne): 64 KB takes any burst a server sends. */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

const startsWith = (data: Buffer, start: number, end: number, prefix: Buffer) =>
  end - start >= prefix.length && data.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0;

/** A client-to-server websocket text frame (RFC 6455 §5.2): FIN, masked as clients must. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const head = payload.length < 126 ? 2 : 4;
  const frame = Buffer.alloc(head + 4 + payload.length);
  frame[0] = 0x81;
  if (head === 2) frame[1] = 0x80 | payload.length;
  else {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(payload.length, 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, head);
  for (let i = 0; i < payload.length; i++) frame[head + 4 + i] = payload[i]! ^ mask[i % 4]!;
  return frame;
}

/**
 * One socket.io client (protocol v4) over a websocket spoken by hand on a TCP socket: upgrade,
 * CONNECT /queue with the token, watch, answer pings. No websocket library, no stream between
 * the socket and the frame reader: 12,500 of these share one process and the two cores with
 * the servers being measured, so a client costs little more than the kernel's read.
 */
function connectOne(
  url: string,
  token: string,
  eventId: string,
  onCursor: (at: number) => void,
): Promise<{ close(): void }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    // Reads land in the process's one read buffer and are handled before the next read: no
    // buffer allocated per read, no stream or 'data' event between the kernel and the frame reader.
    const onread = {
      buffer: readBuffer,
      callback: (n: number, buf: Uint8Array) => {
        onBytes(buf as Buffer, n);
        return true;
      },
    };
    const socket = connect({ port: Number(port), host: hostname, onread });
    socket.setNoDelay(true);
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error('connect timeout')), 120_000);
    const send = (text: string) => void socket.write(textFrame(text));
    const onText = (data: Buffer, start: number, end: number) => {
      if (startsWith(data, start, end, CURSOR_PREFIX)) return onCursor(cursorAt(data, start, end));
      const text = data.toString('utf8', start, end);
      if (text === '2') return send('3');
      if (text.startsWith('0')) return send(`40/queue,${JSON.stringify({ token })}`);
      if (text.startsWith('40/queue,')) return send(`42/queue,1${JSON.stringify(['watch', { eventId }])}`);
      if (text.startsWith('44/queue,')) return fail(new Error(`refused: ${text}`));
      if (text.startsWith('43/queue,1')) {
        const ack = JSON.parse(text.slice('43/queue,1'.length)) as [{ ok: boolean }];
        if (!ack[0].ok) return fail(new Error(`watch refused: ${text}`));
        settled = true;
        clearTimeout(timer);
        resolve({ close: () => socket.destroy() });
      }
    };
    let upgraded = false;
    let rest: Buffer | null = null;
    socket.on('connect', () =>
      socket.write(
        `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    const onBytes = (buf: Buffer, n: number) => {
      // The bytes are data[at, end): the read buffer itself, unless an earlier read left a partial frame.
      let data = buf;
      let end = n;
      let at = 0;
      if (rest) {
        data = Buffer.concat([rest, buf.subarray(0, n)]);
        end = data.length;
        rest = null;
      }
      if (!upgraded) {
        const headEnd = data.subarray(0, end).indexOf('\r\n\r\n');
        if (headEnd < 0) return void (rest = Buffer.from(data.subarray(0, end)));
        if (!data.toString('latin1', 0, 12).startsWith('HTTP/1.1 101'))
          return fail(new Error(`upgrade refused: ${data.toString('latin1', 0, headEnd)}`));
        upgraded = true;
        at = headEnd + 4;
      }
      // Server frames are unmasked; a chunk may end inside one, which waits for the next chunk.
      while (end - at >= 2) {
        const opcode = data[at]! & 0x0f;
        let length = data[at + 1]! & 0x7f;
        let head = 2;
        if (length === 126) {
          if (end - at < 4) break;
          length = data.readUInt16BE(at + 2);
          head = 4;
        } else if (length === 127) {
          if (end - at < 10) break;
          length = Number(data.readBigUInt64BE(at + 2));
          head = 10;
        }
        if (end - at < head + length) break;
        const start = at + head;
        at = start + length;
        if (opcode === 0x8) return fail(new Error('closed by the server'));
        if (opcode === 0x1) onText(data, start, at);
      }
      // A copy: the read buffer is overwritten by the next socket's read.
      if (at < end) rest = Buffer.from(data.subarray(at, end));
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  });
}

async function runClients(): Promise<void> {
  const sockets: { close(): void }[] = [];
  // Delivery times by broadcast (its `at`): a late copy of one broadcast never counts for the next.
  let latencies = new Map<number, number[]>();
  const received = (at: number) => {
    let list = latencies.get(at);
    if (!list) latencies.set(at, (list = []));
    list.push(Date.now() - at);
  };
  onCommand(async (m) => {
    if (m.cmd === 'connect') {
      const { urls, tokens, eventId, parallel } = m as unknown as {
        urls: string[];
        tokens: string[];
        eventId: string;
        parallel: number;
      };
      let next = 0;
      let failed = 0;
      let firstError = '';
      const started = Date.now();
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          while (next < tokens.length) {
            const i = next++;
            try {
              sockets.push(await connectOne(urls[i % urls.length]!, tokens[i]!, eventId, received));
            } catch (err) {
              failed++;
              firstError ||= (err as Error).message;
            }
          }
        }),
      );
      send({ cmd: 'connected', connected: sockets.length, failed, firstError, ms: Date.now() - started });
    } else if (m.cmd === 'latencies') {
      send({ cmd: 'latencies', latencies: [...latencies] });
      latencies = new Map();
    } else if (m.cmd === 'close') {
      for (const s of sockets) s.close();
      sockets.length = 0;
      send({ cmd: 'closed' });
    }
  });
  send({ cmd: 'ready', port: 0 });
}
