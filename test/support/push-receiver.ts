import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export { DeviceKeys, verifyVapid } from '../../tools/push/device.js';

/** One request a push service received. */
export interface PushRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A push service on a loopback port: records every request and answers with the status its path names (`/410/…`). */
export async function startPushReceiver(): Promise<{
  origin: string;
  requests: PushRequest[];
  close(): Promise<void>;
}> {
  const requests: PushRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) });
      const status = Number(/^\/(\d{3})\//.exec(req.url ?? '')?.[1] ?? 201);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
