import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/auth/auth.table.js';
import { canonicalJson } from '../../src/shared/canonical-json.js';
import { generateSigner } from '../../src/shared/signing.js';
import { createLogger } from '../../src/logger.js';
import { verifyReceiptChain } from '../../src/timeline/receipt.js';
import { ReceiptSigner, signUnsigned, type WrittenReceipt } from '../../src/timeline/receipt-signer.js';
import { appendTimeline, listTimeline } from '../../src/timeline/timeline.repository.js';
import { connectDatabase, type Database } from '../../src/db/client.js';
import { createTestDatabase, type TestDatabase } from '../support/env.js';

/**
 * The purchase path writes receipts in SQL (fd_receipt_append, drizzle/0018) and the rest of the
 * product in TypeScript (appendTimeline): both must write the same format into the same chain,
 * or a fan's saved timeline would stop verifying. These tests hold the SQL to the TypeScript.
 */
let testDb: TestDatabase;
let database: Database;
const signer = generateSigner();
beforeAll(async () => {
  testDb = await createTestDatabase();
  database = connectDatabase(testDb.url);
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

/** A deterministic generator, so a failure replays. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s % n;
  };
}

const CHARS = [
  'a',
  'Z',
  '"',
  '\\',
  '\n',
  '\t',
  '\b',
  '\f',
  '\r',
  '\u0001',
  '\u001f',
  '\u007f',
  'é',
  '€',
  '😀',
  '/',
  ' ',
];
const KEYS = ['a', 'b', 'B', 'aa', 'a1', '_x', 'Z', 'zz', 'é', 'a b', '"q', 'holdId', 'seats'];

function randomValue(r: (n: number) => number, depth = 0): unknown {
  const kind = r(depth > 2 ? 4 : 6);
  if (kind === 0 || kind === 3) return Array.from({ length: r(6) }, () => CHARS[r(CHARS.length)]).join('');
  if (kind === 1) return r(2) ? r(1_000_000_000) - 500_000_000 : r(100);
  if (kind === 2) return [true, false, null][r(3)];
  if (kind === 4) return Array.from({ length: r(4) }, () => randomValue(r, depth + 1));
  return Object.fromEntries(Array.from({ length: r(5) }, () => [KEYS[r(KEYS.length)], randomValue(r, depth + 1)]));
}

async function newAccount(): Promise<string> {
  const [user] = await database.db
    .insert(users)
    .values({ email: `${randomUUID()}@example.test`, passwordHash: 'x', displayName: 'Receipts' })
    .returning({ id: users.id });
  return user!.id;
}

async function appendInSql(userId: string, kind: string, data: Record<string, unknown>): Promise<WrittenReceipt> {
  const [row] = await database.sql<{ r: WrittenReceipt }[]>`
    select fd_receipt_append(${userId}::uuid, ${kind}, 'hold', ${randomUUID()}, null, ${userId}::uuid,
      ${JSON.stringify(data)}::jsonb, date_trunc('milliseconds', now())) as r`;
  return row!.r;
}

describe('receipts written in SQL', () => {
  it('fd_canonical_json writes what canonicalJson writes, for 2,000 random values', async () => {
    const r = rng(7);
    const values = Array.from({ length: 2_000 }, () => ({ value: randomValue(r) }));
    const rows = await database.sql<{ c: string }[]>`
      select fd_canonical_json(v.value) as c
      from jsonb_array_elements(${JSON.stringify(values)}::jsonb) with ordinality as v(value, n) order by v.n`;
    const mismatches = rows.filter((row, i) => row.c !== canonicalJson(values[i]));
    expect(mismatches).toEqual([]);
  });

  it('chain with TypeScript receipts in one account, and verify once signed: by the signer, a read or the sweep', async () => {
    const userId = await newAccount();
    const logger = createLogger({ LOG_LEVEL: 'silent', NODE_ENV: 'test' });
    const receipts = new ReceiptSigner({ db: database.db, signer, logger });
    await database.db.transaction((tx) =>
      appendTimeline(tx, signer, [{ userId, kind: 'queue.joined', subjectType: 'event', subjectId: 'e1' }]),
    );
    const signedByBatch = await appendInSql(userId, 'hold.created', { holdId: 'h1', seats: [{ row: 'A', number: 1 }] });
    receipts.add([signedByBatch]);
    await receipts.flush();
    const leftUnsigned = await appendInSql(userId, 'hold.converted', { orderId: 'o1', quantity: 2, text: 'é"\n' });
    await database.db.transaction((tx) =>
      appendTimeline(tx, signer, [{ userId, kind: 'order.confirmed', subjectType: 'order', subjectId: 'o1' }]),
    );

    // A read signs what is still unsigned, and the whole chain verifies.
    const read = await listTimeline(database.db, signer, userId);
    expect(read.map((r) => r.kind)).toEqual(['queue.joined', 'hold.created', 'hold.converted', 'order.confirmed']);
    expect(verifyReceiptChain(read, signer.publicKeyPem)).toEqual({ ok: true, entries: 4 });

    // The batch stored exactly the signature a read computes; the sweep stores the other one.
    const [stored] = await database.sql`select signature from timeline_entries where id = ${signedByBatch.id}`;
    expect(stored!.signature).toBe(read[1]!.signature);
    expect(await signUnsigned(database.db, signer, { olderThanMs: 0, limit: 10 })).toBeGreaterThanOrEqual(1);
    const [swept] = await database.sql`select signature from timeline_entries where id = ${leftUnsigned.id}`;
    expect(swept!.signature).toBe(read[2]!.signature);

    // An altered entry no longer verifies: the hash is over the payload SQL wrote.
    await database.sql`update timeline_entries set data = data || '{"quantity": 3}' where id = ${leftUnsigned.id}`;
    const altered = await listTimeline(database.db, signer, userId);
    expect(verifyReceiptChain(altered, signer.publicKeyPem)).toMatchObject({ ok: false, brokenAt: 3, reason: 'hash' });
  });
});
