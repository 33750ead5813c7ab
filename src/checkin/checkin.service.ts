import { findUserByEmail } from '../auth/auth.repository.js';
import type { Principal } from '../auth/principal.js';
import { findEvent } from '../catalog/catalog.repository.js';
import { assertEventOrganizer } from '../catalog/guards.js';
import type { Db } from '../db/types.js';
import type { PlatformSigner } from '../shared/signing.js';
import { parseTicketCode, verifyTicketCode } from '../tickets/codes.js';
import { ticketSettings } from '../tickets/ticket-settings.repository.js';
import { findTicketDetail, seatLabel } from '../tickets/ticket-views.repository.js';
import { appendTimeline } from '../timeline/timeline.repository.js';
import { keyBundle, signedBundle, type SignedBundle } from './bundle.js';
import { checkinErrors } from './checkin.errors.js';
import {
  addStaff,
  findByNonce,
  firstAdmission,
  isEventStaff,
  listStaff,
  recordRefusal,
  removeStaff,
  ticketForScan,
  tryAdmit,
  type CheckinRow,
  type ScanRecord,
} from './checkin.repository.js';
import type { ScanResult } from './checkin.table.js';

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
  scannedAt: Date;
  /** What the offline device told the person at the gate. */
  localResult: ScanResult;
}

export interface SyncReport {
  results: (ScanAnswer & { nonce: string })[];
  conflicts: {
    ticketId: string;
    nonce: string;
    gate: string;
    scannedAt: string;
    firstGate: string;
    firstUsedAt: string;
  }[];
}

/** Offline scanners' clocks drift; a scan claiming to be from the future by more than this is taken as now. */
const MAX_CLOCK_AHEAD_MS = 60_000;

/**
 * The door: online scans, offline uploads, staff of an event. Whether a code is genuine is
 * decided by the same pure function an offline scanner runs; whether it was already used is
 * decided by Postgres (see tryAdmit).
 */
export class CheckinService {
  constructor(
    private readonly db: Db,
    private readonly signer: PlatformSigner,
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
    return this.decide(principal.userId, eventId, {
      code: input.code,
      nonce: input.nonce,
      gate: input.gate,
      scannedAt: new Date(nowMs),
      offline: false,
    });
  }

  /** Uploads an offline scanner's scans in the order they happened; a re-upload answers the same. */
  async sync(
    principal: Principal,
    eventId: string,
    gate: string,
    scans: OfflineScan[],
    nowMs = Date.now(),
  ): Promise<SyncReport> {
    await this.requireDoor(principal, eventId);
    const report: SyncReport = { results: [], conflicts: [] };
    const ordered = [...scans].sort((a, b) => a.scannedAt.getTime() - b.scannedAt.getTime());
    for (const scan of ordered) {
      const scannedAt = new Date(Math.min(scan.scannedAt.getTime(), nowMs + MAX_CLOCK_AHEAD_MS));
      const answer = await this.decide(principal.userId, eventId, {
        code: scan.code,
        nonce: scan.nonce,
        gate,
        scannedAt,
        offline: true,
      });
      report.results.push({ nonce: scan.nonce, ...answer });
      // The gate let someone in while offline, but another gate had already admitted this ticket.
      if (scan.localResult === 'admitted' && answer.result === 'already_used' && answer.ticket) {
        report.conflicts.push({
          ticketId: answer.ticket.id,
          nonce: scan.nonce,
          gate,
          scannedAt: scannedAt.toISOString(),
          firstGate: answer.firstGate!,
          firstUsedAt: answer.firstUsedAt!,
        });
      }
    }
    return report;
  }

  async bundle(principal: Principal, eventId: string): Promise<SignedBundle> {
    await this.requireDoor(principal, eventId);
    return signedBundle(this.db, this.signer, eventId, await ticketSettings(this.db, eventId));
  }

  async addStaff(principal: Principal, eventId: string, email: string) {
    await this.organized(principal, eventId);
    const user = await findUserByEmail(this.db, email);
    if (!user) throw checkinErrors.unknownAccount();
    await addStaff(this.db, eventId, user.id, principal.userId);
    return this.staff(principal, eventId);
  }

  async removeStaff(principal: Principal, eventId: string, userId: string): Promise<void> {
    await this.organized(principal, eventId);
    if (!(await removeStaff(this.db, eventId, userId))) throw checkinErrors.staffNotFound();
  }

  async staff(principal: Principal, eventId: string) {
    await this.organized(principal, eventId);
    return (await listStaff(this.db, eventId)).map((s) => ({ ...s, since: s.since.toISOString() }));
  }

  private async decide(
    staffId: string,
    eventId: string,
    scan: { code: string; nonce: string; gate: string; scannedAt: Date; offline: boolean },
  ): Promise<ScanAnswer> {
    const replay = await findByNonce(this.db, scan.nonce);
    if (replay) return this.answerFor(replay);
    const settings = await ticketSettings(this.db, eventId);
    // Revocations are not needed here: the database's ticket row (status, version) is the live list.
    const check = verifyTicketCode(scan.code, keyBundle(this.signer, eventId, settings), scan.scannedAt.getTime());
    const claims = check.claims;
    const record: ScanRecord = {
      ticketId: null,
      eventId: claims?.eventId ?? eventId,
      ticketVersion: claims?.version ?? null,
      gate: scan.gate,
      nonce: scan.nonce,
      staffId,
      scannedAt: scan.scannedAt,
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
      return this.answerFor(await recordRefusal(this.db, { ...record, ticketId: known?.id ?? null }, reason));
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
    if (admitted) return this.answerFor(admitted);
    // Not admitted: the same nonce raced us, the ticket changed, or another scan admitted it first.
    const raced = await findByNonce(this.db, scan.nonce);
    if (raced) return this.answerFor(raced);
    const now = await ticketForScan(this.db, ticket.id);
    const result = !now || now.status !== 'valid' || now.version !== claims.version ? 'revoked' : 'already_used';
    return this.answerFor(await recordRefusal(this.db, { ...record, ticketId: ticket.id }, result));
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

  /** Staff of the event, its organizer, or an admin. */
  private async canDoor(principal: Principal, eventId: string): Promise<boolean> {
    if (principal.roles.includes('admin')) return true;
    if (await isEventStaff(this.db, eventId, principal.userId)) return true;
    const event = await findEvent(this.db, eventId);
    return event?.organizerId === principal.userId;
  }

  private async requireDoor(principal: Principal, eventId: string): Promise<void> {
    if (await this.canDoor(principal, eventId)) return;
    if (!(await findEvent(this.db, eventId))) throw checkinErrors.eventNotFound();
    throw checkinErrors.notStaff();
  }

  private async organized(principal: Principal, eventId: string): Promise<void> {
    const event = await findEvent(this.db, eventId);
    if (!event) throw checkinErrors.eventNotFound();
    assertEventOrganizer(principal, event);
  }
}
