import { connect, constants, type ClientHttp2Session } from 'node:http2';
import type { AppleCredentials } from './credentials.js';

/**
 * Tells an Apple device that one of its passes changed: an empty push to APNs on the pass
 * type's topic, authenticated by the pass certificate as TLS client certificate (Apple's
 * "certificate-based" APNs connection). The device then asks the PassKit web service which
 * serials changed and fetches them. One HTTP/2 session, opened on first use and reopened
 * after it closes.
 */
export type PushOutcome = 'sent' | 'gone' | { retry: string };

export class ApnsClient {
  private session: ClientHttp2Session | null = null;

  constructor(
    private readonly apple: AppleCredentials,
    private readonly timeoutMs = 10_000,
  ) {}

  async push(pushToken: string): Promise<PushOutcome> {
    try {
      const { status, body } = await this.request(pushToken);
      if (status === 200) return 'sent';
      // The token is no longer the device's (410), or never was (400 BadDeviceToken): stop telling it.
      if (status === 410 || (status === 400 && body.includes('BadDeviceToken'))) return 'gone';
      return { retry: `${status} ${body.slice(0, 200)}` };
    } catch (err) {
      this.close();
      return { retry: (err as Error).message };
    }
  }

  close(): void {
    this.session?.close();
    this.session = null;
  }

  private open(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const { cert, key, ca } = this.apple.tls;
    const session = connect(this.apple.apnsUrl, { cert, key, ...(ca ? { ca } : {}) });
    session.on('error', () => this.close());
    session.on('close', () => {
      if (this.session === session) this.session = null;
    });
    // An idle connection does not keep the worker process alive.
    session.unref();
    this.session = session;
    return session;
  }

  private request(pushToken: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = this.open().request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: `/3/device/${encodeURIComponent(pushToken)}`,
        'apns-topic': this.apple.passTypeId,
        'content-type': 'application/json',
      });
      req.setTimeout(this.timeoutMs, () => req.close(constants.NGHTTP2_CANCEL));
      let status = 0;
      let body = '';
      req.on('response', (headers) => (status = Number(headers[constants.HTTP2_HEADER_STATUS])));
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => (status ? resolve({ status, body }) : reject(new Error('APNs answered nothing'))));
      req.on('error', reject);
      req.end('{}');
    });
  }
}
