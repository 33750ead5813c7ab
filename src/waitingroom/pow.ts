import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { leadingZeroBits } from '../shared/leading-zero-bits.js';

/**
 * Hashcash-style proof of work for joining, stateless: the challenge carries its own terms
 * (event, account, difficulty, expiry) and an HMAC over them, so any node can check it without
 * storing anything. A solution is a nonce such that SHA-256(challenge + ":" + nonce) starts
 * with `difficulty` zero bits. Bound to the account, so one solved challenge cannot enter a
 * thousand accounts; one entry per account makes replaying it by its owner pointless.
 */

export interface Challenge {
  challenge: string;
  difficulty: number;
  expiresAt: string;
}

interface Terms {
  e: string;
  u: string;
  d: number;
  x: number;
  r: string;
}

const VERSION = 'c1';

const mac = (secret: Buffer, body: string) => createHmac('sha256', secret).update(body).digest('base64url');

export function issueChallenge(
  secret: Buffer,
  terms: { eventId: string; userId: string; difficulty: number; ttlMs: number },
  now = Date.now(),
): Challenge {
  const expires = now + terms.ttlMs;
  const body = Buffer.from(
    JSON.stringify({
      e: terms.eventId,
      u: terms.userId,
      d: terms.difficulty,
      x: expires,
      r: randomBytes(8).toString('base64url'),
    } satisfies Terms),
  ).toString('base64url');
  return {
    challenge: `${VERSION}.${body}.${mac(secret, body)}`,
    difficulty: terms.difficulty,
    expiresAt: new Date(expires).toISOString(),
  };
}

export const powDigest = (challenge: string, nonce: string) =>
  createHash('sha256').update(`${challenge}:${nonce}`).digest();

/** Why the proof is refused, or null when it is good for this event, account and difficulty. */
export function checkProof(
  secret: Buffer,
  proof: { challenge: string; nonce: string },
  expected: { eventId: string; userId: string; difficulty: number },
  now = Date.now(),
): string | null {
  const [version, body, signature, extra] = proof.challenge.split('.');
  if (version !== VERSION || !body || !signature || extra !== undefined) return 'not a challenge from this service';
  const want = Buffer.from(mac(secret, body));
  const got = Buffer.from(signature);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return 'not a challenge from this service';
  let terms: Terms;
  try {
    terms = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Terms;
  } catch {
    return 'not a challenge from this service';
  }
  if (terms.e !== expected.eventId) return 'the challenge is for another event';
  if (terms.u !== expected.userId) return 'the challenge is for another account';
  if (terms.x < now) return 'the challenge has expired';
  // A challenge fetched before the organizer raised the difficulty is not enough afterwards.
  if (terms.d < expected.difficulty) return 'the challenge is easier than this waiting room asks';
  if (leadingZeroBits(powDigest(proof.challenge, proof.nonce)) < terms.d)
    return 'the nonce does not solve the challenge';
  return null;
}

/** Finds a nonce (what a page does in a worker); exported for tests and the simulator. */
export function solveChallenge(challenge: string, difficulty: number): string {
  for (let i = 0; ; i++) {
    const nonce = i.toString(36);
    if (leadingZeroBits(powDigest(challenge, nonce)) >= difficulty) return nonce;
  }
}
