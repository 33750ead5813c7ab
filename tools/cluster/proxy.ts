import {
  Agent,
  createServer,
  request,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../src/logger.js';

/**
 * A small round-robin HTTP and WebSocket proxy for the local multi-process mode: what nginx
 * does in docker-compose, without installing nginx. Written on node:http instead of taking a
 * dependency: the well-known package (http-proxy) has been unmaintained since 2020, and what
 * we need — rotation, upgrades, socket.io stickiness, X-Forwarded-For — fits in this file.
 *
 * Stickiness: socket.io's HTTP long-polling sends every request of a session to the node that
 * made the session (the `sid` query parameter). The proxy learns which node issued a sid from
 * the handshake answer and routes that sid there; WebSocket connections and all other requests
 * rotate. A node that refuses connections is skipped for a second and its bodiless requests
 * are retried on the next node.
 */

export interface ProxyTarget {
  id: string;
  host: string;
  port: number;
}

export interface RunningProxy {
  port: number;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);
/** Longer than socket.io's ping interval plus timeout (45 s): a live polling session is seen at least that often. */
const SESSION_IDLE_MS = 120_000;
const DOWN_FOR_MS = 1_000;

/** What the proxy remembers between requests. */
interface ProxyState {
  targets: readonly ProxyTarget[];
  logger: Logger;
  agent: Agent;
  /** Nodes that refused a connection, skipped until this epoch ms. */
  downUntil: Map<ProxyTarget, number>;
  /** socket.io polling sessions (by sid) and the node that issued each. */
  sessions: Map<string, { target: ProxyTarget; seen: number }>;
  /** Open WebSocket tunnels, destroyed on close. */
  tunnels: Set<Socket>;
  /** The rotation's position. */
  turn: number;
}

export async function startProxy(options: {
  host: string;
  port: number;
  targets: readonly ProxyTarget[];
  logger: Logger;
}): Promise<RunningProxy> {
  if (options.targets.length === 0) throw new Error('the proxy needs at least one target');
  const state: ProxyState = {
    targets: options.targets,
    logger: options.logger,
    agent: new Agent({ keepAlive: true, maxSockets: 256 }),
    downUntil: new Map(),
    sessions: new Map(),
    tunnels: new Set(),
    turn: 0,
  };
  const server = createServer((req, res) => {
    const { target, handshake } = route(state, req.url);
    forward(state, req, res, target, handshake, state.targets.length - 1);
  });
  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => tunnel(state, req, client, head));
  const sweep = sweepIdleSessions(state.sessions);
  await listen(server, options.port, options.host);
  return {
    port: (server.address() as AddressInfo).port,
    close: () => closeProxy(state, server, sweep),
  };
}

/** The next node in rotation that is not marked down. */
function pick(state: ProxyState): ProxyTarget {
  const { targets } = state;
  const now = Date.now();
  for (let i = 0; i < targets.length; i++) {
    const target = targets[state.turn++ % targets.length]!;
    if ((state.downUntil.get(target) ?? 0) <= now) return target;
  }
  return targets[state.turn++ % targets.length]!; // all look down: try anyway rather than refuse
}

/** A known socket.io session goes to its node; anything else rotates. `handshake`: a new polling session. */
function route(state: ProxyState, url: string | undefined): { target: ProxyTarget; handshake: boolean } {
  const parsed = new URL(url ?? '/', 'http://proxy');
  if (!parsed.pathname.startsWith('/socket.io/')) return { target: pick(state), handshake: false };
  const sid = parsed.searchParams.get('sid');
  const session = sid ? state.sessions.get(sid) : undefined;
  if (session) {
    session.seen = Date.now();
    return { target: session.target, handshake: false };
  }
  return { target: pick(state), handshake: !sid && parsed.searchParams.get('transport') === 'polling' };
}

function forwardedFor(req: IncomingMessage): string {
  const previous = req.headers['x-forwarded-for'];
  const client = req.socket.remoteAddress ?? '';
  return previous ? `${String(previous)}, ${client}` : client;
}

/**
 * Streams one request to `target` and its answer back. `retries`: how many more nodes a bodiless
 * request that was refused may try.
 */
function forward(
  state: ProxyState,
  req: IncomingMessage,
  res: ServerResponse,
  target: ProxyTarget,
  handshake: boolean,
  retries: number,
): void {
  const upstream = request(
    {
      host: target.host,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: upstreamHeaders(req),
      agent: state.agent,
    },
    (answer) => relayAnswer(state, answer, res, target, handshake),
  );
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ECONNREFUSED') state.downUntil.set(target, Date.now() + DOWN_FOR_MS);
    // A request with a body was streamed already; only a bodiless one is safe to send again.
    const bodiless = !req.headers['content-length'] && !req.headers['transfer-encoding'];
    if (err.code === 'ECONNREFUSED' && bodiless && retries > 0 && !res.headersSent) {
      return forward(state, req, res, pick(state), handshake, retries - 1);
    }
    state.logger.warn({ err, node: target.id, url: req.url }, 'proxy: node did not answer');
    if (!res.headersSent)
      res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway: the node did not answer\n');
    else res.destroy();
  });
  req.pipe(upstream);
}

/** The client's headers without the hop-by-hop ones, plus the X-Forwarded-* a node expects behind a proxy. */
function upstreamHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers))
    if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
  headers['x-forwarded-for'] = forwardedFor(req);
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-host'] = req.headers.host ?? '';
  return headers;
}

function relayAnswer(
  state: ProxyState,
  answer: IncomingMessage,
  res: ServerResponse,
  target: ProxyTarget,
  handshake: boolean,
): void {
  const raw: string[] = [];
  for (let i = 0; i < answer.rawHeaders.length; i += 2) {
    if (!HOP_BY_HOP.has(answer.rawHeaders[i]!.toLowerCase()))
      raw.push(answer.rawHeaders[i]!, answer.rawHeaders[i + 1]!);
  }
  res.writeHead(answer.statusCode ?? 502, raw);
  if (handshake && answer.statusCode === 200) learnSession(state, answer, target);
  answer.pipe(res);
}

/** The polling handshake answers `0{"sid":"…",…}`: remember which node owns that session. */
function learnSession(state: ProxyState, answer: IncomingMessage, target: ProxyTarget): void {
  let head = '';
  answer.on('data', (chunk: Buffer) => {
    if (head.length < 512) head += chunk.toString('latin1');
    const sid = /"sid":"([^"]+)"/.exec(head)?.[1];
    if (sid && !state.sessions.has(sid)) state.sessions.set(sid, { target, seen: Date.now() });
  });
}

/** WebSocket (and any other upgrade): a raw TCP tunnel after replaying the request head. */
function tunnel(state: ProxyState, req: IncomingMessage, client: Socket, head: Buffer): void {
  const { target } = route(state, req.url);
  const upstream = connect(target.port, target.host);
  state.tunnels.add(client);
  const end = () => {
    state.tunnels.delete(client);
    client.destroy();
    upstream.destroy();
  };
  client.on('error', end).on('close', end);
  upstream.on('error', end).on('close', end);
  upstream.once('connect', () => {
    upstream.write(requestHead(req));
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
}

/** The upgrade request as the client sent it, with this hop added to X-Forwarded-For. */
function requestHead(req: IncomingMessage): string {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() !== 'x-forwarded-for')
      lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  }
  lines.push(`X-Forwarded-For: ${forwardedFor(req)}`, '', '');
  return lines.join('\r\n');
}

function sweepIdleSessions(sessions: ProxyState['sessions']): NodeJS.Timeout {
  const sweep = setInterval(() => {
    const cutoff = Date.now() - SESSION_IDLE_MS;
    for (const [sid, session] of sessions) if (session.seen < cutoff) sessions.delete(sid);
  }, 30_000);
  sweep.unref();
  return sweep;
}

async function listen(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

async function closeProxy(state: ProxyState, server: Server, sweep: NodeJS.Timeout): Promise<void> {
  clearInterval(sweep);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  for (const socket of state.tunnels) socket.destroy();
  state.agent.destroy();
  await closed;
}
