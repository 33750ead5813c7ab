import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnswerReader } from '../../tools/load/http-client.mjs';
import { ApiClient } from '../../tools/simulator/http.js';

/**
 * The simulator's HTTP client (tools/simulator/http.ts over pool.ts and tools/load/http-client.mjs)
 * against a real node:http server on 127.0.0.1: what node:http's client gave the fans, without it.
 */

let server: Server;
let base: string;
/** Connections the server has accepted, and the most requests it had in progress at once. */
let connections = 0;
let inFlight = 0;
let mostInFlight = 0;
const sockets = new Set<Socket>();

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url!, 'http://x');
  const json = (status: number, value: unknown, type = 'application/json') => {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  switch (url.pathname) {
    case '/v1/echo':
    case '/v1/holds':
      return json(200, { method: req.method, headers: req.headers, body: body ? JSON.parse(body) : null });
    case '/v1/etag':
      res.setHeader('etag', '"v1"');
      res.setHeader('cache-control', 'private, max-age=2');
      res.setHeader('retry-after', '3');
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('x-many', ['one', 'two']);
      if (req.headers['if-none-match'] === '"v1"') {
        res.statusCode = 304;
        return void res.end();
      }
      return json(200, { version: 1 });
    case '/v1/chunked': {
      res.writeHead(200, { 'content-type': 'application/json' });
      const parts = ['{"items":[', '1,2,', '3]', '}'];
      const write = () => (parts.length > 0 ? res.write(parts.shift()!) && setTimeout(write, 5) : res.end());
      return void write();
    }
    case '/v1/big':
      return json(200, { seats: 'x'.repeat(500_000) });
    case '/v1/problem':
      return json(409, { code: 'sales.seat_unavailable', detail: 'taken' }, 'application/problem+json');
    case '/v1/broken':
      res.writeHead(502, { 'content-type': 'text/plain' });
      return void res.end('bad gateway');
    case '/v1/slow':
      return void setTimeout(() => json(200, { slept: true }), Number(url.searchParams.get('ms')));
    case '/v1/close':
      res.setHeader('connection', 'close');
      return json(200, { closing: true });
    case '/v1/hangup':
      return void req.socket.destroy();
    default:
      return json(404, { code: 'not_found' }, 'application/problem+json');
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    res.on('close', () => inFlight--);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => route(req, res, body));
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const clients: ApiClient[] = [];
function client(maxSockets?: number): ApiClient {
  const made = new ApiClient(base, maxSockets);
  clients.push(made);
  connections = 0;
  mostInFlight = 0;
  return made;
}

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

describe('ApiClient', () => {
  it('sends JSON with its headers and parses the JSON answer', async () => {
    const api = client();
    const answer = await api.call<{ method: string; headers: Record<string, string>; body: unknown }>(
      'POST',
      '/v1/echo',
      { seat: 'A-1', note: 'zoë' },
      { token: 't0k', idempotencyKey: 'key-1', headers: { 'x-fan': '7' } },
    );
    expect(answer.status).toBe(200);
    expect(answer.code).toBeNull();
    expect(answer.ms).toBeGreaterThan(0);
    expect(answer.body.method).toBe('POST');
    expect(answer.body.body).toEqual({ seat: 'A-1', note: 'zoë' });
    expect(answer.body.headers).toMatchObject({
      accept: 'application/json',
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(JSON.stringify({ seat: 'A-1', note: 'zoë' }))),
      authorization: 'Bearer t0k',
      'idempotency-key': 'key-1',
      'x-fan': '7',
    });
    const fresh = await api.call<{ headers: Record<string, string> }>('GET', '/v1/echo', undefined, {
      idempotencyKey: true,
    });
    expect(fresh.body.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(fresh.body.headers['content-type']).toBeUndefined();
  });

  it('lower-cases headers, keeps repeats as node:http does, and reads a 304 without a body', async () => {
    const api = client();
    const first = await api.call('GET', '/v1/etag');
    expect(first.body).toEqual({ version: 1 });
    expect(first.headers).toMatchObject({
      etag: '"v1"',
      'cache-control': 'private, max-age=2',
      'retry-after': '3',
      'set-cookie': ['a=1', 'b=2'],
      'x-many': 'one, two',
    });
    const again = await api.call('GET', '/v1/etag', undefined, { headers: { 'if-none-match': '"v1"' } });
    expect(again).toMatchObject({ status: 304, body: undefined, code: null });
    expect(again.headers.etag).toBe('"v1"');
    const head = await api.call('HEAD', '/v1/etag');
    expect(head).toMatchObject({ status: 200, body: undefined });
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    // All on one connection: no body was left unread to confuse the next answer.
    expect((await api.call('GET', '/v1/etag')).body).toEqual({ version: 1 });
    expect(connections).toBe(1);
  });

  it('reads chunked answers sent in several writes', async () => {
    const api = client();
    const answer = await api.call('GET', '/v1/chunked');
    expect(answer.headers['transfer-encoding']).toBe('chunked');
    expect(answer.body).toEqual({ items: [1, 2, 3] });
  });

  it('drops a body it was told to discard, unless the answer is an error', async () => {
    const api = client();
    const big = await api.call('GET', '/v1/big', undefined, { discardBody: true });
    expect(big).toMatchObject({ status: 200, body: undefined, code: null });
    const problem = await api.call('GET', '/v1/problem', undefined, { discardBody: true });
    expect(problem.body).toMatchObject({ code: 'sales.seat_unavailable' });
    expect((await api.call<{ seats: string }>('GET', '/v1/big')).body.seats).toHaveLength(500_000);
  });

  it("takes a problem's code, http_<status> for another error body, and keeps text that is not JSON", async () => {
    const api = client();
    expect(await api.call('GET', '/v1/problem')).toMatchObject({ status: 409, code: 'sales.seat_unavailable' });
    expect(await api.call('GET', '/v1/broken')).toMatchObject({ status: 502, code: 'http_502', body: 'bad gateway' });
  });

  it('reuses keep-alive connections, with a pool of its own for the purchase path', async () => {
    const api = client();
    for (let i = 0; i < 10; i++) expect((await api.call('GET', '/v1/echo')).status).toBe(200);
    expect(connections).toBe(1);
    await Promise.all([api.call('GET', '/v1/echo'), api.call('POST', '/v1/holds', {})]);
    expect(connections).toBe(2);
  });

  it('opens at most maxSockets connections and queues the rest in order', async () => {
    const api = client(2);
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 6 }, () => api.call('GET', '/v1/slow?ms=60')));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(connections).toBe(2);
    expect(mostInFlight).toBe(2);
    // Three rounds of 60 ms; the last ones' latency includes their wait for a connection.
    expect(performance.now() - started).toBeGreaterThanOrEqual(170);
    expect(answers[5]!.ms).toBeGreaterThanOrEqual(170);
    expect(answers[0]!.ms).toBeLessThan(answers[5]!.ms);
  });

  it('gives up after timeoutMs of silence and destroys the connection', async () => {
    const api = client();
    const answer = await api.call('GET', '/v1/slow?ms=1000', undefined, { timeoutMs: 100 });
    expect(answer).toMatchObject({ status: 0, code: 'network_TIMEOUT', headers: {} });
    await sleep(20);
    expect(sockets.size).toBe(0);
    expect((await api.call('GET', '/v1/echo')).status).toBe(200);
  });

  it('ends a request whose connection the server closes with a network code, and carries on', async () => {
    const api = client();
    expect(await api.call('GET', '/v1/hangup')).toMatchObject({ status: 0, code: 'network_ECONNRESET' });
    expect(await api.call('GET', '/v1/close')).toMatchObject({ status: 200, body: { closing: true } });
    expect((await api.call('GET', '/v1/echo')).status).toBe(200);
    expect(connections).toBe(3);
  });

  it('drops an idle connection the server closed, and opens a new one', async () => {
    const api = client();
    expect((await api.call('GET', '/v1/echo')).status).toBe(200);
    for (const s of sockets) s.destroy();
    await sleep(20);
    expect((await api.call('GET', '/v1/echo')).status).toBe(200);
    expect(connections).toBe(2);
  });

  it('answers network_ECONNREFUSED when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const api = new ApiClient(`http://127.0.0.1:${port}`);
    clients.push(api);
    expect(await api.call('GET', '/v1/echo')).toMatchObject({
      status: 0,
      code: 'network_ECONNREFUSED',
      body: undefined,
    });
  });
});

describe('raw answers', () => {
  let raw: NetServer;
  let rawBase: string;
  /** The bytes to answer the next request with, as separate writes. */
  let pieces: string[] = [];
  let endAfter = false;

  beforeAll(async () => {
    raw = createNetServer((socket) => {
      socket.on('data', async () => {
        for (const piece of pieces) {
          socket.write(piece);
          await sleep(2);
        }
        if (endAfter) socket.end();
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    rawBase = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => raw.close(() => resolve())));

  const call = (path = '/') => {
    const api = new ApiClient(rawBase);
    clients.push(api);
    return api.call('GET', path);
  };

  it('reads an answer split anywhere, even inside its head and chunk sizes, with trailers', async () => {
    const whole =
      'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5\r\n{"a":\r\n3;ext=1\r\n[1,\r\n2\r\n2]\r\n1\r\n}\r\n0\r\nX-Trailer: yes\r\n\r\n';
    pieces = whole.match(/[\s\S]{1,3}/g)!;
    endAfter = false;
    expect(await call()).toMatchObject({ status: 200, body: { a: [1, 2] } });
  });

  it('reads a body that runs to the close', async () => {
    pieces = ['HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello ', 'world'];
    endAfter = true;
    expect(await call()).toMatchObject({ status: 200, body: 'hello world' });
  });

  it('ends with a network code when the connection closes mid-body', async () => {
    pieces = ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"cut'];
    endAfter = true;
    expect(await call()).toMatchObject({ status: 0, code: 'network_ECONNRESET' });
  });

  it('refuses bytes that are not HTTP', async () => {
    pieces = ['SSH-2.0-OpenSSH\r\n\r\n'];
    endAfter = false;
    expect(await call()).toMatchObject({ status: 0, code: 'network_HPE_INVALID_RESPONSE' });
  });
});

describe('AnswerReader', () => {
  it('reads answers that arrive in one buffer, and the ETag alone unless asked for every header', () => {
    const reader = new AnswerReader();
    reader.expect();
    const answer = reader.push(Buffer.from('HTTP/1.1 200 OK\r\nETag: "x"\r\nContent-Length: 2\r\n\r\n{}'));
    expect(answer).toMatchObject({ status: 200, etag: '"x"', headers: undefined, close: false });
    expect(answer!.body.toString()).toBe('{}');
    reader.expect();
    expect(reader.push(Buffer.from('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n'))).toMatchObject({
      status: 204,
      close: true,
    });
  });
});
