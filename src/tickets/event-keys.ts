import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { ed25519FromSeed, type PlatformSigner } from '../shared/signing.js';

/**
 * Each event has its own Ed25519 key pair and rotation key, derived from the platform key
 * (HKDF with the event id and a generation number) rather than stored: the database holds no
 * signing secrets, and bumping the generation retires an event's keys (old codes fail).
 */
export interface EventKeys {
  keyId: string;
  privateKey: KeyObject;
  publicKeyPem: string;
  /** base64url; goes only into staff bundles. */
  rotationKey: string;
}

export function eventKeys(signer: PlatformSigner, eventId: string, generation = 1): EventKeys {
  const privateKey = ed25519FromSeed(signer.derive(`fairdrop/ticket-signing/v${generation}/${eventId}`));
  const publicKey = createPublicKey(privateKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    // 6 bytes of the public key's hash: 8 base64url characters in every code.
    keyId: createHash('sha256').update(der).digest().subarray(0, 6).toString('base64url'),
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    rotationKey: signer.derive(`fairdrop/ticket-rotation/v${generation}/${eventId}`).toString('base64url'),
  };
}
