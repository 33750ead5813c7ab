/**
 * Solves the waiting room's hashcash challenge in the browser: a nonce such that
 * SHA-256(challenge + ":" + nonce) starts with `difficulty` zero bits (src/waitingroom/pow.ts).
 * Yields to the page every batch so the countdown keeps ticking.
 */
import { leadingZeroBits } from '../../../src/shared/leading-zero-bits.js';

export async function solve(challenge: string, difficulty: number): Promise<string> {
  const encoder = new TextEncoder();
  for (let n = 0; ; n++) {
    const nonce = n.toString(36);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(`${challenge}:${nonce}`)));
    if (leadingZeroBits(digest) >= difficulty) return nonce;
    if (n % 2000 === 1999) await new Promise((r) => setTimeout(r, 0));
  }
}
