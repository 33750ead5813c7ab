import { findUserByEmail } from '../auth/auth.repository.js';
import type { Principal } from '../auth/principal.js';
import { findEvent } from '../catalog/catalog.repository.js';
import { assertEventOrganizer, managesEvent } from '../catalog/guards.js';
import type { Db } from '../db/types.js';
import { say } from '../notifications/notice-message.js';
import { notify } from '../notifications/notifications.repository.js';
import type { PlatformSigner } from '../shared/signing.js';
import { parseTicketCode, verifyTicketCode } from '../tickets/codes.js';
import { ticketSettings } from '../tickets/ticket-settings.repository.js';
import { findTicketDetail, seatLabel } from '../tickets/ticket-views.repository.js';
import { ticketForScan } from '../tickets/tickets.repository.js';
import { appendTimeline } from '../timeline/timeline.repository.js';
import { keyBundle, signedBundle, type SignedBundle } from './bundle.js';
import { clockVerdict, judgedAt, verifyWindow, type BundleWindow, type ClockVerdict } from './bundle-window.js';
import { checkinErrors } from './checkin.errors.js';
import {
  addStaff,
  findByNonce,
  firstAdmission,
  isEventStaff,
  listDoorEvents,
  listStaff,
  recordRefusal,
  removeStaff,
  tryAdmit,
  type CheckinRow,
  type ScanRecord,
} from './checkin.repository.js';
import type { ScanResult } from './vocabulary.js';

export interface ScanAnswer {
  result: ScanResult;
  ticket: { id: string; eventId: string; version: number; attendeeName: string | null } | null;
  seat: string | null;
  firstUsedAt: string | null;
  firstGate: string | null;
}

export interface OfflineScan {
  code: string;
  nonce: string;
  /** The scanner's claim, judged against its bundle's window. */
  scannedAt: Date;
  /** What the offline device told the person at the gate. */
  localResult: ScanResult;
}

export interface SyncReport {
  results: (ScanAnswer & {
    nonce: string;
    /** The time the scan was judged at; differs from claimedAt when the claim fell outside the window. */
    scannedAt: string;
    claimedAt: string;
    clock: ClockVerdict;
  })[];
  conflicts: {
    ticketId: string;
    nonce: string;
    gate: string;
    scannedAt: string;
    firstGate: string;
    firstUsedAt: string;
  }[];
}

/**
 * The door: online scans, offline uploads, staff of an event. Whether a code is genuine is
 * decided by the same pure function an offline scanner runs; whether it was already used is
 * decided by Postgres (see tryAdmit).
 */
export class CheckinService {
  constructor(
    private readonly db: Db,
    private readonly signer: PlatformSigner,
    /**
     * bundleValidMs: how long an offline bundle's window lasts (config CHECKIN_BUNDLE_VALID_MINUTES);
     * publicUrl: where the app is served, for the scanner link in a new staff member's notice.
     */
    private readonly options: { bundleValidMs: number; publicUrl: string },
  ) {}

  async scan(
    principal: Principal,
    input: { code: string; gate: string; nonce: string; eventId?: string | undefined },
    nowMs = Date.now(),
  ): Promise<ScanAnswer> {
    const claims = parseTicketCode(input.code)?.claims ?? null;
    let eventId: string;
    if (input.eventId) {
      await this.requireDoor(principal, input.eventId);
      eventId = input.eventId;
    } else if (claims && (await this.canDoor(principal, claims.eventId))) {
      eventId = claims.eventId;
    } else {
      // No event named and the code is not one of the caller's events: an answer, but nothing to record against.
      return {
        result: claims ? 'wrong_event' : 'invalid',
        ticket: null,
        seat: null,
        firstUsedAt: null,
        firstGate: null,
      };
    }
    const row = await this.decide(principal.userId, eventId, {
      code: input.code,
      nonce: input.nonce,
      gate: input.gate,
      scannedAt: new Date(nowMs),
      claimedAt: null,
      offline: false,
    });
    return this.answerFor(row);
  }

  /**
   * Uploads an offline scanner's scans, made with the bundle whose signed window it sends back:
   * each claimed time is judged inside that window (bundle-window.ts). A re-upload answers the
   * same: a nonce already recorded at this event answers from its row, whatever the new claim.
   */
  async sync(
    principal: Principal,
    eventId: string,
    input: { gate: string; window: BundleWindow; scans: OfflineScan[] },
    nowMs = Date.now(),
  ): Promise<SyncReport> {
    await this.requireDoor(principal, eventId);
    const window = verifyWindow(this.signer, eventId, input.window);
    // In the order they were made: the first of two scans of one ticket is the one that admits.
    const outOfOrder = input.scans.findIndex((s, i) => i > 0 && s.scannedAt < input.scans[i - 1]!.scannedAt);
    if (outOfOrder > 0) throw checkinErrors.scansOutOfOrder(outOfOrder);
    const report: SyncReport = { results: [], conflicts: [] };
    for (const scan of input.scans) {
      const row = await this.decide(principal.userId, eventId, {
        code: scan.code,
        nonce: scan.nonce,
        gate: input.gate,
        scannedAt: new Date(judgedAt(scan.scannedAt.getTime(), window, nowMs)),
        claimedAt: scan.scannedAt,
        offline: true,
      });
      const answer = await this.answerFor(row);
      report.results.push({
        nonce: scan.nonce,
        ...answer,
        scannedAt: row.scannedAt.toISOString(),
        claimedAt: (row.claimedAt ?? row.scannedAt).toISOString(),
        clock: clockVerdict(row),
      });
      // The gate let someone in while offline, but another gate had already admitted this ticket.
      if (scan.localResult === 'admitted' && answer.result === 'already_used' && answer.ticket) {
        report.conflicts.push({
          ticketId: answer.ticket.id,
          nonce: scan.nonce,
          gate: row.gate,
          scannedAt: row.scannedAt.toISOString(),
          firstGate: answer.firstGate!,
          firstUsedAt: answer.firstUsedAt!,
        });
      }
    }
    return report;
  }

  /** nowMs: when the bundle is issued (tests date it back to exercise its window). */
  async bundle(principal: Principal, eventId: string, nowMs = Date.now()): Promise<SignedBundle> {
    await this.requireDoor(principal, eventId);
    const settings = await ticketSettings(this.db, eventId);
    return signedBundle(this.db, this.signer, eventId, settings, this.options.bundleValidMs, new Date(nowMs));
  }

  /**
   * Makes the account with this address door staff of the event and tells them (feed, push and
   * mail) with a link to the scanner; an account that already is staff is left as it is and is
   * not told again.
   */
  async addStaff(principal: Principal, eventId: string, email: string) {
    const event = await this.organized(principal, eventId);
    const user = await findUserByEmail(this.db, email);
    if (!user) throw checkinErrors.unknownAccount();
    // The organizer means the owner of this address: an unconfirmed account may be anyone who typed it.
    if (!user.emailVerifiedAt) throw checkinErrors.staffUnverified();
    await this.db.transaction(async (tx) => {
      if (!(await addStaff(tx, eventId, user.id, principal.userId))) return;
      const values = { event: event.title };
      const scanner = `${this.options.publicUrl}/scanner.html?event=${eventId}`;
      await notify(tx, [
        {
          userId: user.id,
          kind: 'checkin.staff_added',
          message: {
            title: say('notices:staffAdded.title', values),
            body: [say('notices:staffAdded.body', { ...values, email: user.email, link: scanner })],
          },
          email: user.email,
          data: { eventId },
        },
      ]);
    });
    return this.staff(principal, eventId);
  }

  async removeStaff(principal: Principal, eventId: string, userId: string): Promise<void> {
    await this.organized(principal, eventId);
    if (!(await removeStaff(this.db, eventId, userId))) throw checkinErrors.staffNotFound();
  }

  /** The events the caller is door staff of, soonest first (GET /v1/checkin/events). */
  async doorEvents(principal: Principal, limit: number) {
    const rows = await listDoorEvents(this.db, principal.userId, limit);
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      startsAt: { utc: r.startsAt.toISOString(), timeZone: r.timeZone },
      venue: { name: r.venueName },
    }));
  }

  async staff(principal: Principal, eventId: string) {
    await this.organized(principal, eventId);
    return (await listStaff(this.db, eventId)).map((s) => ({ ...s, since: s.since.toISOString() }));
  }

  /**
   * Records one scan at the doors of `eventId` and returns its row; a nonce already recorded
   * there returns the first row (a retry). Nonces are per event: another event's scan with the
   * same nonce is not this scan and is never answered here.
   */
  private async decide(
    staffId: string,
    eventId: string,
    scan: { code: string; nonce: string; gate: string; scannedAt: Date; claimedAt: Date | null; offline: boolean },
  ): Promise<CheckinRow> {
    const replay = await findByNonce(this.db, eventId, scan.nonce);
    if (replay) return replay;
    const settings = await ticketSettings(this.db, eventId);
    // Revocations are not needed here: the database's ticket row (status, version) is the live list.
    const check = verifyTicketCode(scan.code, keyBundle(this.signer, eventId, settings), scan.scannedAt.getTime());
    const claims = check.claims;
    const record: ScanRecord = {
      ticketId: null,
      eventId,
      ticketVersion: claims?.version ?? null,
      gate: scan.gate,
      nonce: scan.nonce,
      staffId,
      scannedAt: scan.scannedAt,
      claimedAt: scan.claimedAt,
      offline: scan.offline,
    };
    const ticket = claims && check.ok ? await ticketForScan(this.db, claims.ticketId) : undefined;
    if (!check.ok || !claims || !ticket) {
      const reason = check.ok ? 'invalid' : check.reason;
      // Only a genuine code of this event names a ticket worth linking (a forged id may not exist).
      const known =
        reason !== 'invalid' && reason !== 'wrong_event' && claims
          ? await ticketForScan(this.db, claims.ticketId)
          : undefined;
      return recordRefusal(this.db, { ...record, ticketId: known?.id ?? null }, reason);
    }
    const admitted = await this.db.transaction(async (tx) => {
      const row = await tryAdmit(tx, { ...record, ticketId: ticket.id, ticketVersion: claims.version });
      if (row) {
        await appendTimeline(tx, this.signer, [
          {
            userId: ticket.holderId,
            kind: 'ticket.checked_in',
            subjectType: 'ticket',
            subjectId: ticket.id,
            eventId,
            actorId: staffId,
            data: {
              gate: scan.gate,
              version: claims.version,
              scannedAt: scan.scannedAt.toISOString(),
              offline: scan.offline,
            },
          },
        ]);
      }
      return row;
    });
    if (admitted) return admitted;
    // Not admitted: the same nonce raced us, the ticket changed, or another scan admitted it first.
    const raced = await findByNonce(this.db, eventId, scan.nonce);
    if (raced) return raced;
    const now = await ticketForScan(this.db, ticket.id);
    const result = !now || now.status !== 'valid' || now.version !== claims.version ? 'revoked' : 'already_used';
    return recordRefusal(this.db, { ...record, ticketId: ticket.id }, result);
  }

  private async answerFor(row: CheckinRow): Promise<ScanAnswer> {
    const ticket = row.ticketId ? await ticketForScan(this.db, row.ticketId) : undefined;
    const first =
      row.result === 'admitted' ? row : row.ticketId ? await firstAdmission(this.db, row.ticketId) : undefined;
    const seat = ticket ? await this.seatOf(ticket.id) : null;
    return {
      result: row.result,
      ticket: ticket
        ? {
            id: ticket.id,
            eventId: ticket.eventId,
            version: row.ticketVersion ?? ticket.version,
            attendeeName: ticket.attendeeName,
          }
        : null,
      seat,
      firstUsedAt: first?.scannedAt.toISOString() ?? null,
      firstGate: first?.gate ?? null,
    };
  }

  private async seatOf(ticketId: string): Promise<string | null> {
    const detail = await findTicketDetail(this.db, ticketId);
    return detail ? seatLabel(detail) : null;
  }

  /** Staff of the event, its organizer (while an organizer), or an admin. */
  private async canDoor(principal: Principal, eventId: string): Promise<boolean> {
    if (principal.roles.includes('admin')) return true;
    if (await isEventStaff(this.db, eventId, principal.userId)) return true;
    const event = await findEvent(this.db, eventId);
    return event !== undefined && managesEvent(principal, event);
  }

  private async requireDoor(principal: Principal, eventId: string): Promise<void> {
    if (await this.canDoor(principal, eventId)) return;
    if (!(await findEvent(this.db, eventId))) throw checkinErrors.eventNotFound();
    throw checkinErrors.notStaff();
  }

  private async organized(principal: Principal, eventId: string) {
    const event = await findEvent(this.db, eventId);
    if (!event) throw checkinErrors.eventNotFound();
    assertEventOrganizer(principal, event);
    return event;
  }
}
