import { api } from '../lib/api.js';
import type { SignedBundle } from '../../../src/checkin/bundle.js';
import type { BundleWindow, ClockVerdict } from '../../../src/checkin/bundle-window.js';
import type { scanResults } from '../../../src/checkin/vocabulary.js';
import { parseTicketCode, verifyTicketCode } from '../lib/ticket-verify.js';

/**
 * The scanner's offline store, per event, in localStorage (it survives a reload or a dead
 * battery swap while the network is down): the signed bundle from GET …/checkin/bundle, the
 * tickets this device knows are inside, and the scans waiting to be uploaded.
 */

export type ScanResult = (typeof scanResults)[number];
export type { SignedBundle, ClockVerdict };

export interface QueuedScan {
  code: string;
  nonce: string;
  /** This device's clock when the code was scanned. */
  scannedAt: string;
  gate: string;
  localResult: ScanResult;
  /** The window of the bundle that decided it: the server judges the scan's time inside it. Absent on scans queued by an older page. */
  window?: BundleWindow;
}

/** A scan whose time, by this device's clock, fell outside its bundle's window: the server judged it at the bound. */
export type OutsideWindow = QueuedScan & {
  clock: Exclude<ClockVerdict, 'in_window'>;
  judgedAt: string;
  serverResult: ScanResult;
};

/** Offline decisions stop when the bundle's window has closed: the server would judge every later scan at its end. */
export class BundleExpiredError extends Error {
  constructor(readonly expiresAt: string) {
    super('offline bundle expired');
  }
}

export interface LocalAnswer {
  result: ScanResult;
  seat: string | null;
  firstUsedAt: string | null;
  firstGate: string | null;
  ticketId: string | null;
}

export interface SyncReport {
  results: {
    nonce: string;
    result: ScanResult;
    seat: string | null;
    firstGate: string | null;
    firstUsedAt: string | null;
    scannedAt: string;
    clock: ClockVerdict;
  }[];
  conflicts: {
    ticketId: string;
    nonce: string;
    gate: string;
    scannedAt: string;
    firstGate: string;
    firstUsedAt: string;
  }[];
}

/** The sync endpoint takes up to 1,000 scans per call. */
const SYNC_BATCH = 1000;

const key = (eventId: string, what: 'bundle' | 'queue' | 'inside') => `fairdrop.scanner.${eventId}.${what}`;

function read<T>(name: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(name);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}
const write = (name: string, value: unknown) => localStorage.setItem(name, JSON.stringify(value));

export class OfflineStore {
  constructor(readonly eventId: string) {}

  /** The stored bundle; one from before bundles had a window counts as none (the server would refuse its scans). */
  bundle(): SignedBundle | null {
    const stored = read<SignedBundle | null>(key(this.eventId, 'bundle'), null);
    return stored?.window ? stored : null;
  }

  /** Downloads a fresh bundle (staff only: it holds the rotation key); tickets admitted since are merged in. */
  async download(): Promise<SignedBundle> {
    const fresh = await api<SignedBundle>('GET', `/v1/events/${this.eventId}/checkin/bundle`);
    write(key(this.eventId, 'bundle'), fresh);
    for (const a of fresh.admitted) this.markInside(a.ticketId, a.firstUsedAt, a.firstGate);
    return fresh;
  }

  queue(): QueuedScan[] {
    return read<QueuedScan[]>(key(this.eventId, 'queue'), []);
  }

  /** Tickets known to be inside: from the bundle, online admissions and this device's offline ones. */
  private inside(): Record<string, { at: string; gate: string }> {
    return read<Record<string, { at: string; gate: string }>>(key(this.eventId, 'inside'), {});
  }

  markInside(ticketId: string, at: string, gate: string): void {
    const inside = this.inside();
    if (inside[ticketId]) return; // the first admission is the one a second scan must name
    inside[ticketId] = { at, gate };
    write(key(this.eventId, 'inside'), inside);
  }

  /**
   * Decides a scan on this device: the code's signature, version, validity and step by
   * ticket-verify.ts (as the server would), then "already inside?" from what this device knows.
   * Every scan is queued for upload with its bundle's window; the server has the last word at
   * sync. As the server does, a clock behind the bundle's issue is judged at the issue time; a
   * clock past its expiry decides nothing (BundleExpiredError): download a fresh bundle.
   */
  async decide(code: string, gate: string, nowMs = Date.now()): Promise<LocalAnswer> {
    const signed = this.bundle();
    if (!signed) throw new Error('no offline bundle');
    if (nowMs > Date.parse(signed.window.expiresAt)) throw new BundleExpiredError(signed.window.expiresAt);
    const check = await verifyTicketCode(code, signed.bundle, Math.max(nowMs, Date.parse(signed.window.issuedAt)));
    const scannedAt = new Date(nowMs).toISOString();
    let answer: LocalAnswer;
    if (!check.ok) {
      answer = {
        result: check.reason,
        seat: check.claims?.seat ?? null,
        firstUsedAt: null,
        firstGate: null,
        ticketId: check.claims?.ticketId ?? null,
      };
    } else {
      const first = this.inside()[check.claims.ticketId];
      answer = first
        ? {
            result: 'already_used',
            seat: check.claims.seat,
            firstUsedAt: first.at,
            firstGate: first.gate,
            ticketId: check.claims.ticketId,
          }
        : {
            result: 'admitted',
            seat: check.claims.seat,
            firstUsedAt: scannedAt,
            firstGate: gate,
            ticketId: check.claims.ticketId,
          };
      if (!first) this.markInside(check.claims.ticketId, scannedAt, gate);
    }
    write(key(this.eventId, 'queue'), [
      ...this.queue(),
      {
        code: code.trim(),
        nonce: crypto.randomUUID(),
        scannedAt,
        gate,
        localResult: answer.result,
        window: signed.window,
      },
    ]);
    return answer;
  }

  /**
   * Uploads the queue, one call per gate, bundle and batch, each in the order the scans were
   * made (idempotent by nonce, so a sync cut off halfway is simply sent again); each scan leaves
   * the queue once the server has answered it. Scans queued by an older page, without a window,
   * go with the current bundle's: the server judges them at its issue time and says so.
   */
  async sync(): Promise<{
    sent: number;
    conflicts: SyncReport['conflicts'];
    overruled: (QueuedScan & { serverResult: ScanResult })[];
    outsideWindow: OutsideWindow[];
  }> {
    const current = this.bundle()?.window;
    const queued = this.queue().flatMap((q) => {
      const window = q.window ?? current;
      return window ? [{ ...q, window }] : [];
    });
    const conflicts: SyncReport['conflicts'] = [];
    const overruled: (QueuedScan & { serverResult: ScanResult })[] = [];
    const outsideWindow: OutsideWindow[] = [];
    let sent = 0;
    const groups = new Map<string, (QueuedScan & { window: BundleWindow })[]>();
    for (const q of queued) {
      const group = `${q.gate}\n${q.window.signature}`;
      groups.set(group, [...(groups.get(group) ?? []), q]);
    }
    for (const group of groups.values()) {
      // Sorted by this device's clock: the server takes a batch only in time order (a clock set back mid-queue).
      const scans = [...group].sort((x, y) => Date.parse(x.scannedAt) - Date.parse(y.scannedAt));
      const { gate, window } = scans[0]!;
      for (let i = 0; i < scans.length; i += SYNC_BATCH) {
        const batch = scans.slice(i, i + SYNC_BATCH);
        const report = await api<SyncReport>('POST', `/v1/events/${this.eventId}/checkin/sync`, {
          gate,
          window,
          scans: batch.map(({ code, nonce, scannedAt, localResult }) => ({ code, nonce, scannedAt, localResult })),
        });
        conflicts.push(...report.conflicts);
        for (const r of report.results) {
          const mine = batch.find((q) => q.nonce === r.nonce);
          if (!mine) continue;
          if (r.clock !== 'in_window')
            outsideWindow.push({ ...mine, clock: r.clock, judgedAt: r.scannedAt, serverResult: r.result });
          // A code admitted here that the server refuses for another reason than a double entry (a transfer after the bundle, say).
          else if (mine.localResult === 'admitted' && r.result !== 'admitted' && r.result !== 'already_used')
            overruled.push({ ...mine, serverResult: r.result });
        }
        const done = new Set(report.results.map((r) => r.nonce));
        write(
          key(this.eventId, 'queue'),
          this.queue().filter((q) => !done.has(q.nonce)),
        );
        sent += done.size;
      }
    }
    return { sent, conflicts, overruled, outsideWindow };
  }
}

/** The ticket id a code names, if it reads as one of ours at all (for remembering online admissions). */
export const ticketIdOf = (code: string) => parseTicketCode(code)?.claims.ticketId ?? null;
