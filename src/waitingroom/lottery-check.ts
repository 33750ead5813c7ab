import type { LotteryVerdict } from '../../queue/lottery.js';
import { verifyDraw, type LotteryHashes, type VerifyOptions } from '../../queue/lottery-verify.js';

/**
 * Checks an event's lottery from what the server publishes, and says the outcome in words: the
 * same code for the waiting-room page's "Verify the draw" and `npm run verify-lottery`. It reads
 * GET /v1/events/:id/lottery (the rule, the commitment, the revealed seed, the digests) and the
 * pre-queue in join order from the record's `entriesPath`, page by page, then recomputes every
 * ticket number (queue/lottery-verify.ts). Browser-safe: the caller hands in how to fetch JSON
 * (a page's fetch, the CLI's) and which hashes to trust.
 */

/** GETs a path of the server and answers its JSON body; throws (the caller's way) on a failure. */
export type GetJson = (path: string) => Promise<unknown>;

/** The only rule this check knows (queue/README.md, "The lottery"). */
export const LOTTERY_RULE = 'fairdrop-lottery-v2';
/** Entries per page read: the API's largest page. */
const PAGE = 10_000;

export type LotteryCheck =
  | { state: 'not_drawn' }
  | { state: 'unknown_rule'; rule: string }
  /** The server lists another number of entries than it says it drew: the list cannot be the draw's. */
  | { state: 'incomplete'; listed: number; drawn: number }
  | { state: 'checked'; verdict: LotteryVerdict; unnumbered: number };

/** The server's answer was not the public record's shape. */
export class LotteryRecordError extends Error {}

interface LotteryRecord {
  rule: string;
  commitment: string;
  drawSize: number | null;
  seed: string | null;
  entriesDigest: string | null;
  orderDigest: string | null;
  entriesPath: string;
}
interface EntriesPage {
  entries: { entryId: string; ticketNumber: number | null }[];
  next: number | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const stringOrNull = (v: unknown) => v === null || typeof v === 'string';
const intOrNull = (v: unknown) => v === null || Number.isInteger(v);

function asRecord(body: unknown): LotteryRecord {
  if (
    !isObject(body) ||
    typeof body.rule !== 'string' ||
    typeof body.commitment !== 'string' ||
    typeof body.entriesPath !== 'string' ||
    !intOrNull(body.drawSize) ||
    !stringOrNull(body.seed) ||
    !stringOrNull(body.entriesDigest) ||
    !stringOrNull(body.orderDigest)
  )
    throw new LotteryRecordError('the lottery record is not in the published shape');
  return body as unknown as LotteryRecord;
}

function asPage(body: unknown): EntriesPage {
  const ok =
    isObject(body) &&
    intOrNull(body.next) &&
    Array.isArray(body.entries) &&
    body.entries.every((e) => isObject(e) && typeof e.entryId === 'string' && intOrNull(e.ticketNumber));
  if (!ok) throw new LotteryRecordError('a page of lottery entries is not in the published shape');
  return body as unknown as EntriesPage;
}

export interface CheckOptions extends VerifyOptions {
  /** Called as the entries arrive: how many so far, of how many drawn. */
  onEntries?: (read: number, total: number) => void;
}

/** Reads the event's published draw and recomputes it. */
export async function checkPublishedLottery(
  eventId: string,
  getJson: GetJson,
  hashes?: LotteryHashes,
  options: CheckOptions = {},
): Promise<LotteryCheck> {
  const record = asRecord(await getJson(`/v1/events/${encodeURIComponent(eventId)}/lottery`));
  if (record.rule !== LOTTERY_RULE) return { state: 'unknown_rule', rule: record.rule };
  if (!record.seed || record.drawSize === null) return { state: 'not_drawn' };

  const entries: { entryId: string; ticketNumber: number }[] = [];
  let unnumbered = 0;
  for (let from: number | null = 0; from !== null;) {
    const page = asPage(await getJson(`${record.entriesPath}?from=${from}&limit=${PAGE}`));
    for (const e of page.entries) {
      if (e.ticketNumber === null) unnumbered++;
      entries.push({ entryId: e.entryId, ticketNumber: e.ticketNumber ?? 0 });
    }
    options.onEntries?.(entries.length, record.drawSize);
    from = page.next;
  }
  if (entries.length !== record.drawSize)
    return { state: 'incomplete', listed: entries.length, drawn: record.drawSize };

  const verdict = await verifyDraw(
    {
      seed: record.seed,
      commitment: record.commitment,
      entries,
      ...(record.entriesDigest ? { entriesDigest: record.entriesDigest } : {}),
      ...(record.orderDigest ? { orderDigest: record.orderDigest } : {}),
    },
    hashes,
    options,
  );
  return { state: 'checked', verdict, unnumbered };
}

/** Whether the published draw is confirmed: true, false, or null when it cannot be checked (yet). */
export function drawConfirmed(check: LotteryCheck): boolean | null {
  if (check.state === 'checked') return check.verdict.ok && check.unnumbered === 0;
  return check.state === 'incomplete' ? false : null;
}

/**
 * The outcome in words for people: a headline, then what was checked or what went wrong, in
 * the reader's language: the queue page passes its `t` and `number`, the CLI the English
 * catalogue's (src/i18n). One message per finding, in the `queue:verdict` catalogue.
 */
export function lotteryCheckWords(
  check: LotteryCheck,
  say: (key: string, values?: Record<string, unknown>) => string,
  number: (n: number) => string,
): { headline: string; details: string[] } {
  switch (check.state) {
    case 'not_drawn':
      return { headline: say('queue:verdict.notDrawn'), details: [say('queue:verdict.notDrawnDetail')] };
    case 'unknown_rule':
      return {
        headline: say('queue:verdict.unknownRule'),
        details: [say('queue:verdict.unknownRuleDetail', { rule: check.rule })],
      };
    case 'incomplete':
      return {
        headline: say('queue:verdict.mismatch'),
        details: [say('queue:verdict.incompleteDetail', { listed: number(check.listed), drawn: number(check.drawn) })],
      };
    case 'checked': {
      const v = check.verdict;
      if (drawConfirmed(check))
        return {
          headline: say('queue:verdict.confirmed'),
          details: [
            say('queue:verdict.confirmedDetail', { entries: number(v.entries) }),
            say('queue:verdict.confirmedCommitment'),
          ],
        };
      const details: string[] = [];
      if (!v.commitmentMatches) details.push(say('queue:verdict.commitmentDiffers'));
      if (v.entriesDigestMatches === false) details.push(say('queue:verdict.entriesDiffer'));
      if (v.commitmentMatches && v.mismatchCount > 0)
        details.push(
          say('queue:verdict.numbersDiffer', { differ: number(v.mismatchCount), entries: number(v.entries) }),
        );
      if (check.unnumbered > 0) details.push(say('queue:verdict.unnumbered', { n: number(check.unnumbered) }));
      if (v.digestMatches === false) details.push(say('queue:verdict.orderDiffers'));
      // The one reason left: an entry listed twice.
      if (!details.length) details.push(say('queue:verdict.duplicate'));
      return { headline: say('queue:verdict.mismatch'), details };
    }
  }
}
