/** The shapes the waiting room answers with; routes and the socket gateway reuse them. */

/** prequeue → drawing → live ⇄ paused → closed (closed can be reached from any phase). */
export type Phase = 'prequeue' | 'drawing' | 'live' | 'paused' | 'closed';

export interface Opened {
  created: boolean;
  /** SHA-256 of the secret seed, hex: publish it now, reveal the seed after the draw. */
  commitment: string;
  phase: Phase;
}

export interface Joined {
  entryId: string;
  /** Milliseconds since the epoch, by the Redis clock. */
  joinedAt: number;
  /** false when the account already had this entry. */
  created: boolean;
  phase: Phase;
  /** null until the draw gives the entry its number. */
  ticketNumber: number | null;
  cursor: number;
  /** ticketNumber − cursor (0 once admitted); null before the draw. */
  position: number | null;
}

export interface Reveal {
  seed: string;
  commitment: string;
  drawSize: number;
  orderDigest: string;
  drawnAt: number;
  /** SHA-256 of the pre-queue's entry ids in join order: with the seed, it gives the draw key. */
  entriesDigest: string;
}

export interface Admission {
  entryId: string;
  accountId: string;
  ticketNumber: number;
  /** The purchase token, in clear: deliver it to this account only. */
  token: string;
  expiresAt: number;
}

export interface AdmitResult {
  /** admitting: the call could admit (the list may still be empty); otherwise why it stopped. */
  status: 'admitting' | 'paused' | 'soldout' | 'closed' | 'not_live';
  /** The last ticket number admitted so far. */
  cursor: number;
  admitted: Admission[];
}

export interface TokenClaim {
  entryId: string;
  expiresAt: number;
}

export interface StatusChange {
  changed: boolean;
  phase: Phase;
  soldOut: boolean;
}

export interface QueueStats {
  phase: Phase;
  soldOut: boolean;
  /** Accounts in the room, whatever their state. */
  entrants: number;
  /** Entries that joined before the draw (the lottery's input). */
  prequeue: number;
  drawSize: number;
  /** Tickets of the draw written so far (drawSize once finished). */
  drawWritten: number;
  /** Entries that joined after the draw started. */
  late: number;
  /** The last ticket number admitted. */
  cursor: number;
  admitted: number;
  waiting: number;
  /** Tokens issued, unclaimed and unexpired: each may still buy seats. */
  outstandingTokens: number;
  /** Tokens that expired unused; their share of seats is available again. */
  expiredTokens: number;
  /** Tokens claimed by a hold (in use or used). */
  claimedTokens: number;
  /** Claimed tokens whose hold committed; read before counting unsold seats, it goes to `admit` (`settledSeen`). */
  settledTokens: number;
  commitment: string;
  openedAt: number;
  drawnAt: number | null;
  revealedAt: number | null;
}

interface FanBase {
  phase: Phase;
  soldOut: boolean;
  cursor: number;
}

export interface FanEntry extends FanBase {
  joined: true;
  entryId: string;
  joinedAt: number;
  ticketNumber: number | null;
  position: number | null;
}

/**
 * entered: in the pre-queue, waiting for the draw; waiting: has a ticket number, not yet
 * admitted; admitted: holds a usable token; purchasing: the token is claimed by a hold;
 * expired: the token ran out unused.
 */
export type FanState =
  | (FanBase & { joined: false })
  | (FanEntry & { status: 'entered' | 'waiting' })
  | (FanEntry & { status: 'admitted' | 'purchasing'; token: string; tokenExpiresAt: number })
  | (FanEntry & { status: 'expired'; tokenExpiresAt: number });
