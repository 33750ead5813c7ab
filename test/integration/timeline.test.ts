import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendTimeline } from '../../src/timeline/timeline.repository.js';
import { verifyReceiptChain, type Receipt } from '../../src/timeline/receipt.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

async function receiptsOf(token: string): Promise<Receipt[]> {
  const res = await env.api.get('/v1/me/timeline', { token });
  expect(res.status).toBe(200);
  return res.body.receipts;
}

describe('signed, chained receipts', () => {
  it('appends concurrently without forking the chain, and the chain verifies with the public key alone', async () => {
    const fan = await signedIn(env);
    const { db } = env.infra.database;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db.transaction((tx) =>
          appendTimeline(tx, env.infra.signer, [
            { userId: fan.userId, kind: 'test.step', subjectType: 'test', subjectId: String(i), data: { i } },
          ]),
        ),
      ),
    );
    const receipts = await receiptsOf(fan.token);
    expect(receipts.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const key = await env.api.get('/v1/receipts/key');
    expect(key.body.keyId).toBe(env.infra.signer.keyId);
    expect(verifyReceiptChain(receipts, key.body.publicKeyPem)).toEqual({ ok: true, entries: 20 });
  });

  it('appends batches over several accounts at once, each chain continuing from its own head', async () => {
    const fans = await Promise.all(Array.from({ length: 4 }, () => signedIn(env)));
    const { db } = env.infra.database;
    const step = (userId: string, n: number) => ({
      userId,
      kind: 'test.step',
      subjectType: 'test',
      subjectId: `b${n}`,
      data: { n },
    });
    // Two fans already have a chain; batches then cover all four, in both orders, at the same time.
    await db.transaction((tx) => appendTimeline(tx, env.infra.signer, [step(fans[0]!.userId, 0)]));
    await db.transaction((tx) => appendTimeline(tx, env.infra.signer, [step(fans[2]!.userId, 0)]));
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        db.transaction((tx) =>
          appendTimeline(
            tx,
            env.infra.signer,
            (i % 2 ? [...fans].reverse() : fans).flatMap((f) => [step(f.userId, 2 * i + 1), step(f.userId, 2 * i + 2)]),
          ),
        ),
      ),
    );
    for (const [k, fan] of fans.entries()) {
      const receipts = await receiptsOf(fan.token);
      const count = k % 2 === 0 ? 13 : 12;
      expect(receipts.map((r) => r.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      expect(receipts.every((r) => r.userId === fan.userId)).toBe(true);
      expect(verifyReceiptChain(receipts, env.infra.signer.publicKeyPem)).toEqual({ ok: true, entries: count });
    }
  });

  it('breaks verification at the entry that was altered', async () => {
    const fan = await signedIn(env);
    await env.infra.database.db.transaction((tx) =>
      appendTimeline(
        tx,
        env.infra.signer,
        [1, 2, 3, 4].map((n) => ({
          userId: fan.userId,
          kind: 'test.step',
          subjectType: 'test',
          subjectId: `s${n}`,
          data: { n },
        })),
      ),
    );
    const receipts = await receiptsOf(fan.token);
    const key = env.infra.signer.publicKeyPem;
    expect(verifyReceiptChain(receipts, key).ok).toBe(true);

    const edited = receipts.map((r) => ({ ...r }));
    edited[2]!.data = { n: 99 };
    expect(verifyReceiptChain(edited, key)).toEqual({ ok: false, brokenAt: 3, reason: 'hash' });

    const resigned = receipts.map((r) => ({ ...r }));
    resigned.splice(1, 1); // drop an entry
    expect(verifyReceiptChain(resigned, key)).toMatchObject({ ok: false, brokenAt: 3 });

    const forged = receipts.map((r) => ({ ...r }));
    forged[0]!.signature = forged[1]!.signature;
    expect(verifyReceiptChain(forged, key)).toEqual({ ok: false, brokenAt: 1, reason: 'signature' });
  });

  it('keeps each account to its own receipts', async () => {
    const a = await signedIn(env);
    const b = await signedIn(env);
    await env.infra.database.db.transaction((tx) =>
      appendTimeline(tx, env.infra.signer, [
        { userId: a.userId, kind: 'test.a', subjectType: 'test', subjectId: 'x' },
        { userId: b.userId, kind: 'test.b', subjectType: 'test', subjectId: 'x' },
      ]),
    );
    expect((await receiptsOf(a.token)).map((r) => r.kind)).toEqual(['test.a']);
    expect((await receiptsOf(b.token)).map((r) => r.kind)).toEqual(['test.b']);
  });
});
