import { z } from 'zod';
import { verifyLottery } from '../../queue/lottery.js';
import { parseCommandLine } from '../../src/shared/index.js';

/**
 * `npm run verify-lottery -- --event <id> [--url http://localhost:3000]`
 * Recomputes an event's lottery from public data alone: the seed's commitment (published at
 * the opening), the revealed seed, the pre-queue's entry ids in join order with the ticket each
 * got (GET /v1/events/:id/lottery/entries, paged) and the two digests. Uses queue/lottery.ts's
 * verifier, which scores through node:crypto rather than the engine's own batch HMAC.
 * Exit 0: every rank matches; 1: it does not (the first mismatches are named); 2: cannot check.
 * The last line printed is one JSON object with the verdict.
 */

const lotteryRecord = z.object({
  eventId: z.string(),
  rule: z.string(),
  commitment: z.string(),
  drawSize: z.number().int().nullable(),
  seed: z.string().nullable(),
  entriesDigest: z.string().nullable(),
  orderDigest: z.string().nullable(),
});
const page = z.object({
  total: z.number().int(),
  entries: z.array(z.object({ entryId: z.string(), ticketNumber: z.number().int().nullable() })),
  next: z.number().int().nullable(),
});

function stop(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.stdout.write(`${JSON.stringify({ ok: false, error: message })}\n`);
  process.exit(code);
}

async function getJson<T>(url: URL, schema: z.ZodType<T>): Promise<T> {
  const res = await fetch(url).catch((err: Error) =>
    stop(`cannot reach ${url.origin}: ${(err.cause as Error | undefined)?.message ?? err.message}`),
  );
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) stop(`${url.pathname}: HTTP ${res.status} ${JSON.stringify(body)}`);
  const parsed = schema.safeParse(body);
  if (!parsed.success) stop(`${url.pathname}: unexpected answer (${parsed.error.message})`);
  return parsed.data;
}

const { values, fail } = parseCommandLine({
  usage: `npm run verify-lottery -- --event <id> [--url http://localhost:3000]

  Recomputes an event's lottery from what the server publishes (the seed's commitment, the
  revealed seed, the pre-queue's entries and the digests) and says whether the published
  ticket order is exactly what they give. Works once the draw has happened.

  --event ID     the event (its id is in the event page's address)
  --url URL      the Fairdrop server (default http://localhost:3000)
  -h, --help     this text

Exit code 0: every ticket number matches; 1: they do not (the first mismatches are named);
2: the check could not run (bad options, server unreachable, not drawn yet). The last line is
one JSON object with the verdict.
`,
  options: { event: { type: 'string' }, url: { type: 'string', default: 'http://localhost:3000' } },
});
const eventId = values.event ?? fail('--event is required: the id of the event whose lottery to check.');
if (!URL.canParse(values.url!) || !/^https?:$/.test(new URL(values.url!).protocol))
  fail(`--url: expected an http(s) address such as http://localhost:3000, got "${values.url}".`);
const base = values.url!;

const record = await getJson(new URL(`/v1/events/${eventId}/lottery`, base), lotteryRecord);
if (record.rule !== 'fairdrop-lottery-v2') stop(`unknown lottery rule ${record.rule}`);
if (!record.seed || record.drawSize === null)
  stop('the lottery has not been drawn yet: the seed is revealed after the draw');

const entries: { entryId: string; ticketNumber: number }[] = [];
let unnumbered = 0;
for (let from: number | null = 0; from !== null;) {
  const p: z.output<typeof page> = await getJson(
    new URL(`/v1/events/${eventId}/lottery/entries?from=${from}&limit=10000`, base),
    page,
  );
  for (const e of p.entries) {
    if (e.ticketNumber === null) unnumbered++;
    entries.push({ entryId: e.entryId, ticketNumber: e.ticketNumber ?? 0 });
  }
  from = p.next;
}
if (entries.length !== record.drawSize)
  stop(`the server lists ${entries.length} pre-queue entries but drew ${record.drawSize}`, 1);

const verdict = verifyLottery({
  seed: record.seed,
  commitment: record.commitment,
  entries,
  ...(record.entriesDigest ? { entriesDigest: record.entriesDigest } : {}),
  ...(record.orderDigest ? { orderDigest: record.orderDigest } : {}),
});
const yes = (b: boolean | null) => (b === null ? 'not published' : b ? 'matches' : 'DOES NOT MATCH');
process.stdout.write(
  [
    `event ${eventId}: ${entries.length} pre-queue entries`,
    `  seed commitment (SHA-256 of the seed):       ${yes(verdict.commitmentMatches)}`,
    `  entries digest (join order, the draw key):   ${yes(verdict.entriesDigestMatches)}`,
    `  order digest (ticket order):                 ${yes(verdict.digestMatches)}`,
    `  ticket numbers recomputed:                   ${verdict.mismatchCount === 0 && unnumbered === 0 ? 'all match' : `${verdict.mismatchCount} differ`}`,
    ...verdict.mismatches.map((m) => `    ${m.entryId}: published ${m.published}, recomputed ${m.expected ?? 'none'}`),
    verdict.ok
      ? 'The published order is exactly what the committed seed and the entry list give.'
      : 'The published order does NOT match.',
  ].join('\n') + '\n',
);
process.stdout.write(`${JSON.stringify({ ...verdict, eventId, mismatches: verdict.mismatches.length })}\n`);
process.exit(verdict.ok ? 0 : 1);
