import { viewerTime } from '../lib/zoned-time.js';
import type { OutsideWindow, ScanResult } from './offline.js';

/** What the door scanner says, in the words door staff read at a glance. */

/** A scan's clock, labelled with the zone ("20:14 CET"): the device is at the door, in the event's zone. */
export const clock = (iso: string) => viewerTime(iso, { clockOnly: true });

export const RESULT_WORDS: Record<
  ScanResult,
  [string, (a: { firstUsedAt: string | null; firstGate: string | null }) => string]
> = {
  admitted: ['Admitted', () => 'Welcome in.'],
  already_used: [
    'Already used',
    (a) =>
      `Already used${a.firstUsedAt ? ` at ${clock(a.firstUsedAt)}` : ''}${a.firstGate ? ` by gate ${a.firstGate}` : ''}. Do not let in again.`,
  ],
  revoked: ['Revoked', () => 'This code no longer admits anyone: the ticket was transferred, refunded or cancelled.'],
  wrong_event: ['Wrong event', () => 'This ticket is for another event.'],
  invalid: ['Invalid', () => 'Not a Fairdrop ticket, or the code was altered.'],
  not_yet_valid: ['Not yet valid', () => 'Check-in for this ticket has not opened yet.'],
  expired_code: [
    'Expired code',
    () => 'The code is too old (a screenshot?). Ask the holder to open the ticket live on their phone.',
  ],
};

/** Why the server did not take this device's time for a scan, and what it decided instead. */
export function outsideWindowWords(o: OutsideWindow): string {
  const when =
    o.clock === 'before_window'
      ? 'before this offline bundle was downloaded'
      : 'after the upload or after the offline bundle expired';
  return `A scan this device dated ${clock(o.scannedAt)}, ${when}, was judged at ${clock(o.judgedAt)} instead: ${RESULT_WORDS[o.serverResult][0].toLowerCase()}.`;
}
