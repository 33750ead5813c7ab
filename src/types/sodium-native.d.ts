/**
 * The part of sodium-native (libsodium's bindings) that src/shared/signing.ts uses. The package
 * ships no types and @types/sodium-native describes its 2.x API; these two calls are unchanged.
 */
declare module 'sodium-native' {
  /** Fills `publicKey` (32 bytes) and `secretKey` (64: the seed, then the public key) from a 32-byte seed. */
  export function crypto_sign_seed_keypair(publicKey: Buffer, secretKey: Buffer, seed: Buffer): void;
  /** Writes the 64-byte Ed25519 (RFC 8032) signature of `message` into `signature`. */
  export function crypto_sign_detached(signature: Buffer, message: Buffer, secretKey: Buffer): void;
}
