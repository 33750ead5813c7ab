import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/shared/canonical-json.js';
import { signerFromKey, verifyWithPublicKey } from '../../src/shared/signing.js';

describe('the platform signer', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const signer = signerFromKey(privateKey);

  it("signs exactly as node:crypto's Ed25519 does, for 500 messages of every length up to 2 KB", () => {
    for (let i = 0; i < 500; i++) {
      const text = randomBytes(i * 4).toString('base64');
      expect(signer.signText(text)).toBe(sign(null, Buffer.from(text), privateKey).toString('base64url'));
    }
  });

  it('signs the canonical JSON of a payload, and the public key alone verifies it', () => {
    const payload = { seq: 3, kind: 'order.confirmed', data: { b: [1, 'é'], a: null } };
    const signature = signer.sign(payload);
    expect(signature).toBe(signer.signText(canonicalJson(payload)));
    expect(verifyWithPublicKey(signer.publicKeyPem, payload, signature)).toBe(true);
    expect(verifyWithPublicKey(signer.publicKeyPem, { ...payload, seq: 4 }, signature)).toBe(false);
  });
});
