import { locale, t } from '../lib/i18n.js';
import { viewerTime } from '../lib/zoned-time.js';
import type { OutsideWindow, ScanResult } from './offline.js';

/** What the door scanner says, in the words door staff read at a glance, in the page's language. */

/** A scan's clock, labelled with the zone ("20:14 CET"): the device is at the door, in the event's zone. */
export const clock = (iso: string) => viewerTime(iso, { clockOnly: true, locale });

/** The big word of each answer ("Admitted"), its reason, and how a sentence names it ("already used"). */
const RESULT_KEYS: Record<ScanResult, { word: string; reason: string; verdict: string }> = {
  admitted: {
    word: 'scanner:result.admitted.word',
    reason: 'scanner:result.admitted.reason',
    verdict: 'scanner:result.admitted.verdict',
  },
  already_used: {
    word: 'scanner:result.already_used.word',
    reason: 'scanner:result.already_used.reason',
    verdict: 'scanner:result.already_used.verdict',
  },
  revoked: {
    word: 'scanner:result.revoked.word',
    reason: 'scanner:result.revoked.reason',
    verdict: 'scanner:result.revoked.verdict',
  },
  wrong_event: {
    word: 'scanner:result.wrong_event.word',
    reason: 'scanner:result.wrong_event.reason',
    verdict: 'scanner:result.wrong_event.verdict',
  },
  invalid: {
    word: 'scanner:result.invalid.word',
    reason: 'scanner:result.invalid.reason',
    verdict: 'scanner:result.invalid.verdict',
  },
  not_yet_valid: {
    word: 'scanner:result.not_yet_valid.word',
    reason: 'scanner:result.not_yet_valid.reason',
    verdict: 'scanner:result.not_yet_valid.verdict',
  },
  expired_code: {
    word: 'scanner:result.expired_code.word',
    reason: 'scanner:result.expired_code.reason',
    verdict: 'scanner:result.expired_code.verdict',
  },
};

/** The answer's big word: "Admitted", "Already used". */
export const resultWord = (result: ScanResult): string => t(RESULT_KEYS[result].word);

/** The answer's reason; a ticket already used says when and where it was first let in. */
export function resultReason(
  result: ScanResult,
  a: { firstUsedAt: string | null; firstGate: string | null } = { firstUsedAt: null, firstGate: null },
): string {
  if (result !== 'already_used') return t(RESULT_KEYS[result].reason);
  const time = a.firstUsedAt ? clock(a.firstUsedAt) : null;
  const gate = a.firstGate;
  if (time && gate) return t('scanner:result.already_used.reasonAtGate', { time, gate });
  if (time) return t('scanner:result.already_used.reasonAt', { time });
  if (gate) return t('scanner:result.already_used.reasonGate', { gate });
  return t('scanner:result.already_used.reason');
}

/** The answer as a sentence names it: "… was already used on the server". */
export const resultVerdict = (result: ScanResult): string => t(RESULT_KEYS[result].verdict);

/** Why the server did not take this device's time for a scan, and what it decided instead. */
export function outsideWindowWords(o: OutsideWindow): string {
  const values = { scanned: clock(o.scannedAt), judged: clock(o.judgedAt), result: resultVerdict(o.serverResult) };
  return o.clock === 'before_window' ? t('scanner:sync.outsideBefore', values) : t('scanner:sync.outsideAfter', values);
}
