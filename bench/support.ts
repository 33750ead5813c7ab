import { randomUUID } from 'node:crypto';
import { connection, requestHead, type Connection } from '../tools/load/http-client.mjs';

/**
 * A POST to a benchmark's own server: a fresh Idempotency-Key each time, 201 or it throws.
 * Keep-alive connections over tools/load/http-client.mjs (not fetch, whose own CPU would weigh on
 * the server sharing this process), one per request in flight, reused as they come free.
 */
export function poster(base: string) {
  const idle: Connection[] = [];
  const send = async (request: string) => {
    let conn = idle.pop();
    while (conn?.closed) conn = idle.pop();
    conn ??= connection(base);
    const answer = await conn.send(request);
    idle.push(conn);
    return answer;
  };
  return async (path: string, body: unknown, token?: string): Promise<Record<string, unknown>> => {
    const json = JSON.stringify(body);
    const request =
      `${requestHead('POST', `${base}${path}`)}Content-Type: application/json\r\n` +
      `Idempotency-Key: ${randomUUID()}\r\n${token ? `Authorization: Bearer ${token}\r\n` : ''}` +
      `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
    // A connection the server closed while idle fails at once: the same request (same key) once more.
    const answer = await send(request).catch(() => send(request));
    const parsed = JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
    if (answer.status !== 201) throw new Error(`${path} answered ${answer.status}: ${JSON.stringify(parsed)}`);
    return parsed;
  };
}
