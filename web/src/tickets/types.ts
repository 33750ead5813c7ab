/** The API shapes My tickets reads (GET /v1/me/tickets, /v1/tickets/:id/code, /v1/me/transfers, /v1/me/orders, /v1/events/:id). */

export type TicketStatus = 'valid' | 'used' | 'revoked' | 'refunded';

export interface Ticket {
  id: string;
  orderId: string;
  eventId: string;
  event: { title: string; startsAt: string; doorsAt: string | null; status: string; venue: string };
  tier: string;
  seat: { section: string; row: string; number: number; label: string } | null;
  seatLabel: string;
  attendeeName: string | null;
  version: number;
  status: TicketStatus;
  issuedAt: string;
  firstUsedAt: string | null;
  firstGate: string | null;
  transferable: boolean;
  pendingTransferId: string | null;
}

export interface TicketCode {
  ticketId: string;
  version: number;
  code: string;
  step: number;
  refreshAt: string;
  qrSvg: string;
  printed: { code: string; qrSvg: string } | null;
}

export interface Transfer {
  id: string;
  ticketId: string;
  eventId: string;
  fromUserId: string;
  toEmail: string;
  toUserId: string | null;
  message: string | null;
  status: 'pending' | 'accepted' | 'cancelled';
  createdAt: string;
  decidedAt: string | null;
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
}

export interface EventInfo {
  id: string;
  title: string;
  status: string;
  startsAt: { utc: string; timeZone: string };
  venue: { name: string; city: string };
  policies?: { refundableUntil: string | null; transfersAllowed: boolean; perAccountLimit: number | null };
}

export interface FeedItem {
  id: number;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  read: boolean;
  createdAt: string;
}

export interface Receipt {
  seq: number;
  kind: string;
  subjectType: string;
  subjectId: string;
  occurredAt: string;
  hash: string;
  signature: string;
  keyId: string;
}
