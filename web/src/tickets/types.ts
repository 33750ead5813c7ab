/** The API shapes My tickets reads (GET /v1/me/tickets, /v1/tickets/:id/code, /v1/me/transfers, /v1/me/orders, /v1/events/:id). */

// The server's own view types (type-only imports: nothing of the server reaches the bundle),
// so a field renamed there fails the typecheck here instead of at a fan's screen.
import type { FeedItem } from '../../../src/notifications/notifications.service.js';
import type { TicketView } from '../../../src/tickets/tickets.service.js';
import type { TransferView } from '../../../src/tickets/transfers.service.js';
import type { TicketCounts } from '../../../src/orders/orders.view.js';
import type { PictureView } from '../../../src/media/media.schemas.js';

export type { FeedItem };
export type Ticket = TicketView;
export type TicketStatus = TicketView['status'];
export type Transfer = TransferView;
export type { TicketCounts };

export interface TicketCode {
  ticketId: string;
  version: number;
  code: string;
  step: number;
  refreshAt: string;
  qrSvg: string;
  printed: { code: string; qrSvg: string } | null;
}

export interface Order {
  id: string;
  status: 'pending' | 'authorized' | 'confirmed' | 'captured' | 'failed' | 'voided' | 'cancelled';
  guaranteed: boolean;
  eventId: string;
  currency: string;
  totalCents: number;
  giftCardCents: number;
  cardCents: number;
  refundedCents: number;
  sandbox: boolean;
  createdAt: string;
  /** How many of its tickets the buyer may still cancel, and why the others not (src/orders/ticket-standing.ts). */
  ticketCounts: TicketCounts;
}

export interface EventInfo {
  id: string;
  title: string;
  status: string;
  startsAt: { utc: string; timeZone: string };
  venue: { name: string; city: string };
  policies?: { refundableUntil: string | null; transfersAllowed: boolean; perAccountLimit: number | null };
  /** The organizer's picture of the event (src/media). */
  image?: PictureView | null;
}

export interface Receipt {
  seq: number;
  kind: string;
  /** The figures it carries (amount, currency, ticket ids), read by describeReceipt. */
  data?: Record<string, unknown>;
  subjectType: string;
  subjectId: string;
  occurredAt: string;
  hash: string;
  signature: string;
  keyId: string;
}
