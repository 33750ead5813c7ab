import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';

/**
 * A Web Push subscriber's side, for whatever plays a browser on this machine: the integration
 * tests' push receiver (test/support/push-receiver.ts) and the drop simulator's away fans
 * (tools/simulator/push-inbox.ts). The real decryption and VAPID check, no mock: what the server
 * pushed must open with the keys it was given, and carry the signature of its published key.
 */

/**
 * A browser's side of a Web Push subscription: its P-256 key pair and auth secret, as a user
 * agent makes them (RFC 8291 §2), so what the server pushed can be decrypted here.
 */
export class DeviceKeys {
  readonly ecdh: ECDH = createECDH('prime256v1');
  readonly auth = randomBytes(16);
  constructor() {
    this.ecdh.generateKeys();
  }
  get keys() {
    return { p256dh: this.ecdh.getPublicKey().toString('base64url'), auth: this.auth.toString('base64url') };
  }

  /**
   * Decrypts an aes128gcm body (RFC 8188 header, RFC 8291 key derivation): salt, record size,
   * the sender's key, then one record whose padding ends with the 0x02 delimiter.
   */
  decrypt(body: Buffer): string {
    const salt = body.subarray(0, 16);
    const idlen = body[20]!;
    const senderKey = body.subarray(21, 21 + idlen);
    const ciphertext = body.subarray(21 + idlen);
    const secret = this.ecdh.computeSecret(senderKey);
    const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), this.ecdh.getPublicKey(), senderKey]);
    const ikm = Buffer.from(hkdfSync('sha256', secret, this.auth, keyInfo, 32));
    const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
    const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
    let end = padded.length - 1;
    while (end >= 0 && padded[end] === 0) end--;
    if (padded[end] !== 2) throw new Error('not the last record: no 0x02 delimiter');
    return padded.subarray(0, end).toString('utf8');
  }
}

/**
 * Checks a VAPID Authorization header (RFC 8292): `vapid t=<ES256 JWT>, k=<public key>`, signed
 * by the key the server publishes, for this push service's origin, not expired. Returns the claims.
 */
export function verifyVapid(header: string, publicKey: string, origin: string): Record<string, unknown> {
  const match = /^vapid t=([^,]+),\s*k=(.+)$/.exec(header);
  if (!match) throw new Error(`not a vapid header: ${header}`);
  const [, jwt, k] = match;
  if (k !== publicKey) throw new Error('signed with another key');
  const [head, claims, signature] = jwt!.split('.');
  const point = Buffer.from(publicKey, 'base64url');
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  const ok = verify(
    'sha256',
    Buffer.from(`${head}.${claims}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature!, 'base64url'),
  );
  if (!ok) throw new Error('bad VAPID signature');
  const parsed = JSON.parse(Buffer.from(claims!, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (parsed.aud !== origin) throw new Error(`audience ${String(parsed.aud)}, expected ${origin}`);
  if (Number(parsed.exp) * 1000 < Date.now()) throw new Error('expired');
  return parsed;
}
