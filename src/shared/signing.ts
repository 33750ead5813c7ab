import {
  createHash,
  hkdfSync,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  verify,
  type KeyObject,
} from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sodium from 'sodium-native';
import { canonicalJson } from './canonical-json.js';

/**
 * The platform's Ed25519 key: it signs receipts (timeline entries) and anything else a fan may
 * show later as proof. The key id is a short hash of the public key, so a verifier can tell
 * which key signed what after a rotation.
 */
export interface PlatformSigner {
  keyId: string;
  publicKeyPem: string;
  /** Signs the canonical JSON of `payload`; returns base64url. */
  sign(payload: unknown): string;
  /** Signs text that already is canonical JSON (what `sign` would serialize); returns base64url. */
  signText(canonical: string): string;
  verify(payload: unknown, signature: string): boolean;
  /**
   * A secret derived from the platform key (HKDF-SHA256) for one purpose, e.g. an event's
   * ticket-signing seed. Derived, not stored: nothing secret sits in the database.
   */
  derive(info: string, length?: number): Buffer;
}

export function signerFromKey(privateKey: KeyObject): PlatformSigner {
  const publicKey = createPublicKey(privateKey);
  // The last 32 bytes of an Ed25519 PKCS#8 document are the key's seed.
  const seed = privateKey.export({ type: 'pkcs8', format: 'der' }).subarray(-32);
  // Signing goes through libsodium: the same RFC 8032 signature as node:crypto's (Ed25519 is
  // deterministic; test/unit/signing.test.ts compares them), in about half the CPU. A purchase
  // signs seven receipts and a join one, so it shows (bench:holds, bench/join-cpu.ts).
  const secretKey = Buffer.alloc(64);
  sodium.crypto_sign_seed_keypair(Buffer.alloc(32), secretKey, seed);
  const signBytes = (message: Buffer) => {
    const signature = Buffer.allocUnsafe(64);
    sodium.crypto_sign_detached(signature, message, secretKey);
    return signature.toString('base64url');
  };
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const keyId = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64url')
    .slice(0, 12);
  return {
    keyId,
    publicKeyPem,
    sign: (payload) => signBytes(Buffer.from(canonicalJson(payload))),
    signText: (canonical) => signBytes(Buffer.from(canonical)),
    verify: (payload, signature) => verifyWithPublicKey(publicKeyPem, payload, signature),
    derive: (info, length = 32) => Buffer.from(hkdfSync('sha256', seed, Buffer.alloc(0), info, length)),
  };
}

/** Offline verification: only the public key is needed. */
export function verifyWithPublicKey(publicKeyPem: string, payload: unknown, signature: string): boolean {
  try {
    return verify(
      null,
      Buffer.from(canonicalJson(payload)),
      createPublicKey(publicKeyPem),
      Buffer.from(signature, 'base64url'),
    );
  } catch {
    return false;
  }
}

export function generateSigner(): PlatformSigner {
  return signerFromKey(generateKeyPairSync('ed25519').privateKey);
}

/** SIGNING_KEY accepts a PKCS#8 PEM or its base64 DER (handy in one-line env files). */
export function parseSigningKey(value: string): KeyObject {
  const key = value.includes('BEGIN')
    ? createPrivateKey(value)
    : createPrivateKey({ key: Buffer.from(value, 'base64'), format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('SIGNING_KEY must be an Ed25519 private key');
  return key;
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 private key from a 32-byte seed (for keys derived with `derive`). */
export function ed25519FromSeed(seed: Buffer): KeyObject {
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** For the zero-setup start: a key generated once and kept beside the local data. */
export async function loadOrCreateSigningKey(path: string): Promise<KeyObject> {
  if (existsSync(path)) return parseSigningKey(await readFile(path, 'utf8'));
  const { privateKey } = generateKeyPairSync('ed25519');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  return privateKey;
}
