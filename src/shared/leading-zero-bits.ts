/**
 * Leading zero bits of a digest: the work measure of the waiting room's hashcash proof. No
 * imports, so the server (src/waitingroom/pow.ts) and the fan's browser (web/src/lib/pow.ts)
 * count the same way.
 */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}
