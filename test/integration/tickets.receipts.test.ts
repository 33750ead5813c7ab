import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyReceiptChain } from '../../src/timeline/receipt.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { createSale, type SaleFixture } from '../support/commerce.js';
import { buySeats, emailOf } from '../support/tickets-fixtures.js';

const run = promisify(execFile);

let env: TestEnv;
let sale: SaleFixture;
let dir: string;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
  sale = await createSale(env, { seats: 5 });
  dir = await mkdtemp(join(tmpdir(), 'fd-receipts-'));
});
afterAll(async () => {
  await env?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI as a fan would; resolves with the exit code and what it printed. */
async function verify(args: string[], viaNpm = false): Promise<{ code: number; out: string }> {
  const [cmd, argv] = viaNpm
    ? ['npm', ['run', '-s', 'verify-receipt', '--', ...args]]
    : [process.execPath, ['--import', 'tsx', 'tools/cli/verify-receipt.ts', ...args]];
  try {
    const { stdout } = await run(cmd, argv, { cwd: process.cwd() });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('npm run verify-receipt', () => {
  it('verifies a fan’s receipt chain offline and names the first altered entry', async () => {
    const fan = await signedIn(env);
    const friend = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, fan, 2);
    const sent = await env.api.post(
      `/v1/tickets/${ticketIds[0]}/transfers`,
      { toEmail: await emailOf(env, friend.userId) },
      { token: fan.token },
    );
    expect(sent.status).toBe(201);
    const timeline = await env.api.get('/v1/me/timeline', { token: fan.token });
    const receipts = timeline.body.receipts;
    expect(receipts.map((r: any) => r.kind)).toEqual(
      expect.arrayContaining(['order.confirmed', 'tickets.issued', 'ticket.transfer_offered']),
    );
    const key = await env.api.get('/v1/receipts/key');
    const file = join(dir, 'receipts.json');
    const pem = join(dir, 'key.pem');
    await writeFile(file, JSON.stringify(timeline.body));
    await writeFile(pem, key.body.publicKeyPem);

    const ok = await verify(['--file', file, '--key', pem], true);
    expect(ok).toEqual({ code: 0, out: `ok: ${receipts.length} receipts, hashes, signatures and links verified\n` });
    expect((await verify(['--file', file, '--url', env.api.baseUrl])).code).toBe(0);

    // One changed amount in the third receipt: the chain breaks exactly there.
    const altered = structuredClone(receipts);
    altered[2].data = { ...altered[2].data, totalCents: 1 };
    await writeFile(file, JSON.stringify(altered));
    const broken = await verify(['--file', file, '--key', pem]);
    expect(broken.code).toBe(1);
    expect(broken.out).toBe(`broken at seq ${receipts[2].seq} (${receipts[2].kind}): hash does not verify\n`);
    expect(verifyReceiptChain(altered, key.body.publicKeyPem)).toEqual({
      ok: false,
      brokenAt: receipts[2].seq,
      reason: 'hash',
    });

    // A re-hashed forgery still fails: the signature is the platform's, not the forger's.
    const { receiptHash, payloadOf } = await import('../../src/timeline/receipt.js');
    const forged = structuredClone(receipts);
    forged[1].data = { ...forged[1].data, amountCents: 1 };
    forged[1].hash = receiptHash(payloadOf(forged[1]));
    await writeFile(file, JSON.stringify(forged));
    expect((await verify(['--file', file, '--key', pem])).out).toBe(
      `broken at seq ${receipts[1].seq} (${receipts[1].kind}): signature does not verify\n`,
    );

    expect((await verify(['--file', file])).code).toBe(2);
  }, 60_000);
});
