import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeviceKeys, verifyVapid } from '../push/device.js';

/**
 * The away fans' push service: one HTTP receiver per fan process on a loopback port, where
 * each away fan's Web Push subscription points (`/fan/<index>`). Every request is checked as a
 * browser's push service and device would: the VAPID signature of the key the deployment
 * publishes (GET /v1/push/key), then the aes128gcm payload decrypted with the fan's own keys.
 * A request that fails either is answered 400 and counted, never handed to the fan.
 */

/** What the server pushes (src/notifications/push.sender.ts PushMessage), as the service worker reads it. */
export interface PushNotice {
  kind: string;
  title: string;
  body: string;
  url: string;
  tag: string;
  /** Epoch ms at which the receiver had it decrypted. */
  receivedAt: number;
}

interface Mailbox {
  device: DeviceKeys;
  notices: PushNotice[];
  wake: (() => void) | null;
}

export class PushInbox {
  private readonly boxes = new Map<number, Mailbox>();
  /** The deployment's VAPID public key; set before the first subscription. */
  publicKey: string | null = null;

  private constructor(
    private readonly server: Server,
    readonly origin: string,
    private readonly counted: (ok: boolean) => void,
  ) {}

  /** Starts the receiver on 127.0.0.1; `counted` is told of every request, taken (true) or refused. */
  static async start(counted: (ok: boolean) => void): Promise<PushInbox> {
    let inbox: PushInbox | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = inbox!.take(req.url ?? '/', req.headers.authorization, Buffer.concat(chunks));
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    inbox = new PushInbox(server, `http://127.0.0.1:${port}`, counted);
    return inbox;
  }

  /** A new subscription for fan `index`: the PushSubscription JSON a browser would hand the page. */
  subscribe(index: number): { endpoint: string; keys: { p256dh: string; auth: string } } {
    const device = new DeviceKeys();
    this.boxes.set(index, { device, notices: [], wake: null });
    return { endpoint: `${this.origin}/fan/${index}`, keys: device.keys };
  }

  /** The fan's next notice not yet taken, or null once `until` (epoch ms) passes. */
  async next(index: number, until: number): Promise<PushNotice | null> {
    const box = this.boxes.get(index);
    if (!box) return null;
    while (box.notices.length === 0) {
      const left = until - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          box.wake = null;
          resolve();
        }, left);
        box.wake = () => {
          clearTimeout(timer);
          box.wake = null;
          resolve();
        };
      });
    }
    return box.notices.shift()!;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** One push service request: verified, decrypted, filed; answers its HTTP status. */
  private take(path: string, authorization: string | undefined, body: Buffer): number {
    const index = Number(/^\/fan\/(\d+)$/.exec(path)?.[1] ?? NaN);
    const box = this.boxes.get(index);
    // No such device: as a push service answers for an unsubscribed one.
    if (!box) return 410;
    try {
      if (!this.publicKey) throw new Error('no VAPID key to check against');
      verifyVapid(authorization ?? '', this.publicKey, this.origin);
      const message = JSON.parse(box.device.decrypt(body)) as Omit<PushNotice, 'receivedAt'>;
      box.notices.push({ ...message, receivedAt: Date.now() });
      box.wake?.();
      this.counted(true);
      return 201;
    } catch {
      this.counted(false);
      return 400;
    }
  }
}
