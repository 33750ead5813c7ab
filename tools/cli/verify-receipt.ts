import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { type Receipt, verifyReceiptChain } from '../../src/timeline/index.js';

/**
 * `npm run verify-receipt -- --file receipts.json [--key key.pem | --url https://fairdrop.example]`
 * Checks a chain of receipts offline: every hash, every Ed25519 signature, every link to the
 * previous entry. The file is what GET /v1/me/timeline answers (or just its `receipts` array).
 * The public key comes from a PEM file, or once from the server's /v1/receipts/key.
 * Exit 0: the chain holds; 1: it is broken (the first bad entry is named); 2: bad usage.
 */

const receipt = z.object({
  v: z.literal(1),
  userId: z.string(),
  seq: z.number().int(),
  kind: z.string(),
  subjectType: z.string(),
  subjectId: z.string(),
  eventId: z.string().nullable(),
  actorId: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  occurredAt: z.string(),
  prevHash: z.string(),
  hash: z.string(),
  signature: z.string(),
  keyId: z.string(),
});
const file = z.union([z.array(receipt), z.object({ receipts: z.array(receipt) }).transform((f) => f.receipts)]);

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npm run verify-receipt -- --file receipts.json [--key key.pem | --url http://host:port]\n`,
  );
  process.exit(2);
}

async function publicKey(options: { key?: string | undefined; url?: string | undefined }): Promise<string> {
  if (options.key) return readFile(options.key, 'utf8');
  if (options.url) {
    const res = await fetch(new URL('/v1/receipts/key', options.url));
    if (!res.ok) usage(`could not fetch the public key: ${res.status}`);
    return z.object({ publicKeyPem: z.string() }).parse(await res.json()).publicKeyPem;
  }
  return usage('give --key or --url');
}

const { values } = parseArgs({
  options: { file: { type: 'string' }, key: { type: 'string' }, url: { type: 'string' } },
});
if (!values.file) usage('give --file');
const parsed = file.safeParse(JSON.parse(await readFile(values.file, 'utf8')));
if (!parsed.success) usage(`not a receipt file: ${parsed.error.issues[0]?.message ?? 'unknown shape'}`);
const receipts: Receipt[] = parsed.data;
const check = verifyReceiptChain(receipts, await publicKey(values));
if (check.ok) {
  process.stdout.write(`ok: ${check.entries} receipts, hashes, signatures and links verified\n`);
} else {
  const bad = receipts.find((r) => r.seq === check.brokenAt);
  process.stdout.write(`broken at seq ${check.brokenAt} (${bad?.kind ?? '?'}): ${check.reason} does not verify\n`);
  process.exit(1);
}
