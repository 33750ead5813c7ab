import type { Principal } from '../auth/principal.js';
import { requireOwner } from '../auth/guards.js';
import { findEvent } from '../catalog/catalog.repository.js';
import { assertEventOrganizer } from '../catalog/guards.js';
import type { Db } from '../db/types.js';
import type { PlatformSigner } from '../shared/signing.js';
import { issueCode, type IssuedCode } from './code-issuer.js';
import { eventKeys } from './event-keys.js';
import { ticketErrors } from './tickets.errors.js';
import { saveTicketSettings, ticketSettings, type TicketSettings } from './ticket-settings.repository.js';
import {
  findTicketDetail,
  presentedStatus,
  seatLabel,
  ticketsOfHolder,
  type TicketDetail,
} from './ticket-views.repository.js';

export interface TicketView {
  id: string;
  orderId: string;
  eventId: string;
  event: { title: string; startsAt: string; doorsAt: string | null; status: string; venue: string };
  tier: string;
  seat: { section: string; row: string; number: number; label: string } | null;
  seatLabel: string;
  attendeeName: string | null;
  version: number;
  status: 'valid' | 'used' | 'revoked' | 'refunded';
  issuedAt: string;
  firstUsedAt: string | null;
  firstGate: string | null;
  transferable: boolean;
  pendingTransferId: string | null;
}

export function presentTicket(t: TicketDetail): TicketView {
  const status = presentedStatus(t);
  return {
    id: t.id,
    orderId: t.orderId,
    eventId: t.eventId,
    event: {
      title: t.event.title,
      startsAt: t.event.startsAt.toISOString(),
      doorsAt: t.event.doorsAt?.toISOString() ?? null,
      status: t.event.status,
      venue: t.event.venueName,
    },
    tier: t.tierName,
    seat: t.seat ? { ...t.seat, label: seatLabel(t) } : null,
    seatLabel: seatLabel(t),
    attendeeName: t.attendeeName,
    version: t.version,
    status,
    issuedAt: t.issuedAt.toISOString(),
    firstUsedAt: t.firstUsedAt?.toISOString() ?? null,
    firstGate: t.firstGate,
    transferable:
      status === 'valid' && t.event.transfersAllowed && t.event.status !== 'cancelled' && !t.pendingTransferId,
    pendingTransferId: t.pendingTransferId,
  };
}

/** GET /v1/me/tickets, /v1/tickets/:id and its code; the organizer's ticket settings; public keys. */
export class TicketService {
  constructor(
    private readonly db: Db,
    private readonly signer: PlatformSigner,
  ) {}

  async mine(principal: Principal, options: { includeEnded: boolean; limit: number }): Promise<TicketView[]> {
    return (await ticketsOfHolder(this.db, principal.userId, options)).map(presentTicket);
  }

  async get(principal: Principal, ticketId: string): Promise<TicketView> {
    return presentTicket(await this.held(principal, ticketId));
  }

  /** The rotating code now, when it changes, and its QR; a used ticket still shows it (the door answers "already used"). */
  async code(
    principal: Principal,
    ticketId: string,
    nowMs = Date.now(),
  ): Promise<IssuedCode & { ticketId: string; version: number }> {
    const ticket = await this.held(principal, ticketId);
    const status = presentedStatus(ticket);
    if (status === 'revoked' || status === 'refunded' || ticket.event.status === 'cancelled')
      throw ticketErrors.notValid(status === 'valid' ? 'revoked' : status);
    const issued = await issueCode(this.signer, ticket, await ticketSettings(this.db, ticket.eventId), nowMs);
    return { ticketId: ticket.id, version: ticket.version, ...issued };
  }

  async settings(principal: Principal, eventId: string): Promise<TicketSettings> {
    await this.organized(principal, eventId);
    return ticketSettings(this.db, eventId);
  }

  async updateSettings(
    principal: Principal,
    eventId: string,
    patch: {
      printedCodesAllowed?: boolean | undefined;
      checkinOpensAt?: Date | null | undefined;
      rotateKeys?: boolean | undefined;
      resaleEnabled?: boolean | undefined;
      resaleCapPercent?: number | undefined;
    },
  ): Promise<TicketSettings> {
    await this.organized(principal, eventId);
    return saveTicketSettings(this.db, eventId, patch);
  }

  /** The event's current public key: enough to check a code's signature (not its rotation) anywhere. */
  async publicKeys(eventId: string): Promise<{
    eventId: string;
    keys: { keyId: string; algorithm: 'Ed25519'; publicKeyPem: string; generation: number }[];
  }> {
    const event = await findEvent(this.db, eventId);
    if (!event || event.status === 'draft') throw ticketErrors.eventNotFound();
    const { keyGeneration } = await ticketSettings(this.db, eventId);
    const keys = eventKeys(this.signer, eventId, keyGeneration);
    return {
      eventId,
      keys: [{ keyId: keys.keyId, algorithm: 'Ed25519', publicKeyPem: keys.publicKeyPem, generation: keyGeneration }],
    };
  }

  private async held(principal: Principal, ticketId: string): Promise<TicketDetail> {
    const ticket = await findTicketDetail(this.db, ticketId);
    if (!ticket) throw ticketErrors.notFound();
    requireOwner(principal, ticket.holderId, 'tickets.not_found', 'ticket');
    return ticket;
  }

  private async organized(principal: Principal, eventId: string): Promise<void> {
    const event = await findEvent(this.db, eventId);
    if (!event) throw ticketErrors.eventNotFound();
    assertEventOrganizer(principal, event);
  }
}
