import {
  Agent,
  createServer,
  request,
  type IncomingMessage,
  type OutgoingHttpHeaders,
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

export async function startProxy(options: {
  host: string;
  port: number;
  targets: readonly ProxyTarget[];
  logger: Logger;
}): Promise<RunningProxy> {
  const { targets, logger } = options;
  if (targets.length === 0) throw new Error('the proxy needs at least one target');
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const downUntil = new Map<ProxyTarget, number>();
  const sessions = new Map<string, { target: ProxyTarget; seen: number }>();
  const tunnels = new Set<Socket>();
  let turn = 0;

  const pick = (): ProxyTarget => {
    const now = Date.now();
    for (let i = 0; i < targets.length; i++) {
      const target = targets[turn++ % targets.length]!;
      if ((downUntil.get(target) ?? 0) <= now) return target;
    }
    return targets[turn++ % targets.length]!; // all look down: try anyway rather than refuse
  };
  const route = (url: string | undefined): { target: ProxyTarget; handshake: boolean } => {
    const parsed = new URL(url ?? '/', 'http://proxy');
    if (!parsed.pathname.startsWith('/socket.io/')) return { target: pick(), handshake: false };
    const sid = parsed.searchParams.get('sid');
    const session = sid ? sessions.get(sid) : undefined;
    if (session) {
      session.seen = Date.now();
      return { target: session.target, handshake: false };
    }
    return { target: pick(), handshake: !sid && parsed.searchParams.get('transport') === 'polling' };
  };
  const forwarded = (req: IncomingMessage) => {
    const previous = req.headers['x-forwarded-for'];
    const client = req.socket.remoteAddress ?? '';
    return previous ? `${String(previous)}, ${client}` : client;
  };

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    target: ProxyTarget,
    handshake: boolean,
    retries: number,
  ) => {
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers))
      if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    headers['x-forwarded-for'] = forwarded(req);
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-host'] = req.headers.host ?? '';
    const upstream = request(
      { host: target.host, port: target.port, method: req.method, path: req.url, headers, agent },
      (answer) => {
        const raw: string[] = [];
        for (let i = 0; i < answer.rawHeaders.length; i += 2) {
          if (!HOP_BY_HOP.has(answer.rawHeaders[i]!.toLowerCase()))
            raw.push(answer.rawHeaders[i]!, answer.rawHeaders[i + 1]!);
        }
        res.writeHead(answer.statusCode ?? 502, raw);
        if (handshake && answer.statusCode === 200) {
          // The polling handshake answers `0{"sid":"…",…}`: remember which node owns that session.
          let head = '';
          answer.on('data', (chunk: Buffer) => {
            if (head.length < 512) head += chunk.toString('latin1');
            const sid = /"sid":"([^"]+)"/.exec(head)?.[1];
            if (sid && !sessions.has(sid)) sessions.set(sid, { target, seen: Date.now() });
          });
        }
        answer.pipe(res);
      },
    );
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') downUntil.set(target, Date.now() + DOWN_FOR_MS);
      // A request with a body was streamed already; only a bodiless one is safe to send again.
      const bodiless = !req.headers['content-length'] && !req.headers['transfer-encoding'];
      if (err.code === 'ECONNREFUSED' && bodiless && retries > 0 && !res.headersSent) {
        return forward(req, res, pick(), handshake, retries - 1);
      }
      logger.warn({ err, node: target.id, url: req.url }, 'proxy: node did not answer');
      if (!res.headersSent)
        res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway: the node did not answer\n');
      else res.destroy();
    });
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    const { target, handshake } = route(req.url);
    forward(req, res, target, handshake, targets.length - 1);
  });

  // WebSocket (and any other upgrade): a raw TCP tunnel after replaying the request head.
  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const { target } = route(req.url);
    const upstream = connect(target.port, target.host);
    tunnels.add(client);
    const end = () => {
      tunnels.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.once('connect', () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        if (req.rawHeaders[i]!.toLowerCase() !== 'x-forwarded-for')
          lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      }
      lines.push(`X-Forwarded-For: ${forwarded(req)}`, '', '');
      upstream.write(lines.join('\r\n'));
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
  });

  const sweep = setInterval(() => {
    const cutoff = Date.now() - SESSION_IDLE_MS;
    for (const [sid, session] of sessions) if (session.seen < cutoff) sessions.delete(sid);
  }, 30_000);
  sweep.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      clearInterval(sweep);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of tunnels) socket.destroy();
      agent.destroy();
      await closed;
    },
  };
}
