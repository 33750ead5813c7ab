import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseCommandLine, USAGE_EXIT } from '../../src/shared/index.js';
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

const { values, fail } = parseCommandLine({
  usage: `npm run verify-receipt -- --file receipts.json (--key key.pem | --url http://host:port)

  Checks a chain of receipts offline: every hash, every Ed25519 signature, every link to the
  previous entry. The file is what GET /v1/me/timeline answers (or just its receipts array);
  "Download my receipts" on the account page saves it.

  --file PATH    the receipts (JSON)
  --key PATH     the platform's public key (PEM), as GET /v1/receipts/key gives it
  --url URL      or: the Fairdrop server to fetch that key from, once
  -h, --help     this text

Exit code 0: the chain holds; 1: it is broken (the first bad entry is named); 2: bad usage or
an unreadable file or key.
`,
  options: { file: { type: 'string' }, key: { type: 'string' }, url: { type: 'string' } },
});
const filePath = values.file ?? fail('--file is required: the receipts to check.');
if (!values.key && !values.url) fail('give --key (a PEM file) or --url (the server) for the public key.');
if (values.url && !(URL.canParse(values.url) && /^https?:$/.test(new URL(values.url).protocol)))
  fail(`--url: expected an http(s) address such as http://localhost:3000, got "${values.url}".`);

/** A file or key that cannot be used: said in one line, exit 2 (not a stack trace). */
function cannot(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(USAGE_EXIT);
}

async function publicKey(options: { key?: string | undefined; url?: string | undefined }): Promise<string> {
  if (options.key)
    return readFile(options.key, 'utf8').catch((err: Error) => cannot(`cannot read --key: ${err.message}`));
  const url = new URL('/v1/receipts/key', options.url);
  const res = await fetch(url).catch((err: Error) =>
    cannot(`cannot reach ${url.origin}: ${(err.cause as Error | undefined)?.message ?? err.message}`),
  );
  if (!res.ok) cannot(`could not fetch the public key from ${url.href}: HTTP ${res.status}`);
  const body = z.object({ publicKeyPem: z.string() }).safeParse(await res.json().catch(() => null));
  return body.success ? body.data.publicKeyPem : cannot(`${url.href} did not answer with a public key`);
}

const text = await readFile(filePath, 'utf8').catch((err: Error) => cannot(`cannot read --file: ${err.message}`));
let json: unknown;
try {
  json = JSON.parse(text);
} catch (err) {
  cannot(`${filePath} is not JSON: ${(err as Error).message}`);
}
const parsed = file.safeParse(json);
if (!parsed.success) cannot(`${filePath} is not a receipt file: ${parsed.error.issues[0]?.message ?? 'unknown shape'}`);
const receipts: Receipt[] = parsed.data;
let check: ReturnType<typeof verifyReceiptChain>;
try {
  check = verifyReceiptChain(receipts, await publicKey(values));
} catch (err) {
  cannot(`the public key cannot be used: ${(err as Error).message}`);
}
if (check.ok) {
  process.stdout.write(`ok: ${check.entries} receipts, hashes, signatures and links verified\n`);
} else {
  const bad = receipts.find((r) => r.seq === check.brokenAt);
  process.stdout.write(`broken at seq ${check.brokenAt} (${bad?.kind ?? '?'}): ${check.reason} does not verify\n`);
  process.exit(1);
}
