import { nodeHashes } from '../../queue/lottery-node-hashes.js';
import { translator } from '../../src/i18n/index.js';
import { parseCommandLine } from '../../src/shared/index.js';
import {
  checkPublishedLottery,
  drawConfirmed,
  LotteryRecordError,
  lotteryCheckWords,
  type LotteryCheck,
} from '../../src/waitingroom/index.js';

/**
 * `npm run verify-lottery -- --event <id> [--url http://localhost:3000]`
 * Recomputes an event's lottery from public data alone: the seed's commitment (published at
 * the opening), the revealed seed, the pre-queue's entry ids in join order with the ticket each
 * got (GET /v1/events/:id/lottery/entries, paged) and the two digests. The very check the
 * waiting-room page's "Verify the draw" runs (src/waitingroom/lottery-check.ts), here with
 * node:crypto's hashes rather than the browser's, and never the engine's own batch HMAC.
 * Exit 0: every rank matches; 1: it does not (the first mismatches are named); 2: cannot check.
 * The last line printed is one JSON object with the verdict.
 */

function stop(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.stdout.write(`${JSON.stringify({ ok: false, error: message })}\n`);
  process.exit(code);
}

/** GET a path of the server as JSON; any failure ends the command with exit 2, in one line. */
function getJsonFrom(base: string) {
  return async (path: string): Promise<unknown> => {
    const url = new URL(path, base);
    const res = await fetch(url).catch((err: Error) =>
      stop(`cannot reach ${url.origin}: ${(err.cause as Error | undefined)?.message ?? err.message}`),
    );
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) stop(`${url.pathname}: HTTP ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
}

/** What was checked, line by line, for people who read the rule (queue/README.md). */
function report(eventId: string, check: Extract<LotteryCheck, { state: 'checked' }>): string[] {
  const { verdict, unnumbered } = check;
  const yes = (b: boolean | null) => (b === null ? 'not published' : b ? 'matches' : 'DOES NOT MATCH');
  return [
    `event ${eventId}: ${verdict.entries} pre-queue entries`,
    `  seed commitment (SHA-256 of the seed):       ${yes(verdict.commitmentMatches)}`,
    `  entries digest (join order, the draw key):   ${yes(verdict.entriesDigestMatches)}`,
    `  order digest (ticket order):                 ${yes(verdict.digestMatches)}`,
    `  ticket numbers recomputed:                   ${verdict.mismatchCount === 0 && unnumbered === 0 ? 'all match' : `${verdict.mismatchCount} differ`}`,
    ...verdict.mismatches.map((m) => `    ${m.entryId}: published ${m.published}, recomputed ${m.expected ?? 'none'}`),
  ];
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

let check: LotteryCheck;
try {
  check = await checkPublishedLottery(eventId, getJsonFrom(base), nodeHashes);
} catch (err) {
  if (err instanceof LotteryRecordError) stop(`${base}: ${err.message}`);
  throw err;
}
const words = lotteryCheckWords(check, translator('en'), (n) => n.toLocaleString('en-GB'));
if (check.state === 'not_drawn' || check.state === 'unknown_rule') stop(`${words.headline} ${words.details.join(' ')}`);
if (check.state === 'incomplete') stop(`${words.headline} ${words.details.join(' ')}`, 1);

const { verdict } = check;
const confirmed = drawConfirmed(check) === true;
process.stdout.write([...report(eventId, check), words.headline, ...words.details].join('\n') + '\n');
process.stdout.write(
  `${JSON.stringify({ ...verdict, ok: confirmed, eventId, mismatches: verdict.mismatches.length })}\n`,
);
process.exit(confirmed ? 0 : 1);
