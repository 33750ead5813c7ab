import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/shared/canonical-json.js';
import { generateSigner } from '../../src/shared/signing.js';
import { joinedReceiptText } from '../../src/waitingroom/waitingroom.service.js';

/** The join signs its receipt's text written directly: it must be the canonical JSON a verifier rebuilds. */
describe('the join receipt text', () => {
  const base = {
    eventId: '00000000-0000-4000-8000-000000000001',
    userId: '00000000-0000-4000-8000-000000000002',
    entryId: 'Zx9_-abcdefghijklmnopq',
    joinedAt: 1_765_000_000_123,
    phase: 'prequeue',
    ticketNumber: null,
    position: null,
    eta: null,
  };

  it.each([
    ['in the pre-queue', base],
    [
      'late, with a number, a position and an ETA',
      { ...base, phase: 'live', ticketNumber: 4012, position: 17, eta: 9 },
    ],
    ['with characters JSON escapes', { ...base, entryId: 'a"b\\c\u2028d' }],
  ])('is the canonical JSON of the signed fields, %s', (_name, fields) => {
    expect(joinedReceiptText(fields)).toBe(canonicalJson({ v: 1, kind: 'queue.joined', ...fields }));
  });

  it('signs what verify checks', () => {
    const signer = generateSigner();
    const signature = signer.signText(joinedReceiptText(base));
    expect(signer.verify({ v: 1, kind: 'queue.joined', ...base }, signature)).toBe(true);
  });
});
