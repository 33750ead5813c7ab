/** The API shapes the checkout reads: GET /v1/holds/:id, /v1/events/:id, POST /v1/orders, the order's receipts. */

export interface HeldSeat {
  id: string;
  section: string;
  row: string;
  number: number;
  accessible: boolean;
}

export interface Hold {
  id: string;
  eventId: string;
  tierId: string;
  kind: 'seats' | 'ga';
  status: 'active' | 'released' | 'expired' | 'converted';
  quantity: number;
  seats: HeldSeat[];
  unitPriceCents: number;
  unitFeeCents: number;
  totalCents: number;
  currency: string;
  expiresAt: string;
}

/** The event as the checkout names it; null when it could not be read (the purchase still works). */
export interface EventInfo {
  id: string;
  title: string;
  startsAt: { utc: string; timeZone: string };
  doorsAt: string | null;
  venue: { name: string; city: string; country: string };
  tiers: { id: string; name: string; kind: 'reserved' | 'ga' }[];
}

export interface Payment {
  method: 'card' | 'gift_card';
  amountCents: number;
  currency: string;
  cardLast4: string | null;
}

export interface Order {
  id: string;
  status: string;
  guaranteed: boolean;
  totalCents: number;
  giftCardCents: number;
  cardCents: number;
  currency: string;
  sandbox: boolean;
  failureCode: string | null;
  payments: Payment[];
  tickets: { id: string; seatId: string | null; attendeeName: string | null }[];
}

export interface Receipt {
  seq: number;
  kind: string;
  data: Record<string, unknown>;
  occurredAt: string;
  hash: string;
  signature: string;
}

/** Who a ticket is for, as POST /v1/orders takes it. */
export interface Holder {
  name: string;
  email: string;
}
