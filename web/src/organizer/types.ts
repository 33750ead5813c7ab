/** The API shapes the console reads (see GET /v1/organizer/*, GET /v1/events/:id?include=seats, GET …/onsale). */

import type { SalePhase, SaleView } from '../lib/sale-phase.js';

export type { SalePhase, SaleView };

export interface ConsoleEvent {
  id: string;
  title: string;
  status: string;
  /** Where the sale stands (src/sales/phase.ts): what the console shows, the same word fans read. */
  phase: SalePhase;
  startsAt: string;
  venue: { id: string; name: string; city: string; timeZone: string };
  tiers: number;
  capacity: number;
  held: number;
  sold: number;
  remaining: number;
  /** The whole on-sale window, or null before it is set. */
  onsale: Onsale | null;
}

export interface Venue {
  id: string;
  name: string;
  city: string;
  timeZone: string;
}

export interface Tier {
  id: string;
  name: string;
  kind: 'reserved' | 'ga';
  priceCents: number;
  feeCents: number;
  totalCents: number;
  currency: string;
  capacity: number;
  remaining: number;
}

export interface EventDetail {
  id: string;
  title: string;
  description: string;
  categories: string[];
  performers: string[];
  status: string;
  phase: SalePhase;
  sale: SaleView;
  cancellation: { reason: string; cancelledAt: string; refundsComplete: boolean } | null;
  startsAt: { utc: string; timeZone: string };
  doorsAt: string | null;
  endsAt: string | null;
  venue: { id: string; name: string; city: string };
  policies: { refundableUntil: string | null; transfersAllowed: boolean; perAccountLimit: number | null };
  manage: { draft: boolean } | null;
  tiers: Tier[];
  /** Only when asked for with `include=seats` (the workspace does; the cancel panel does not). */
  seatMap?: { sections: { name: string; rows: { row: string; seats: { tierId: string }[] }[] }[] };
}

export interface Onsale {
  mode: 'queue' | 'open';
  prequeueOpensAt: string | null;
  saleStartsAt: string;
  saleEndsAt: string | null;
  admitPerMinute: number | null;
  purchaseTokenTtlSeconds: number;
  holdTtlSeconds: number;
  perAccountLimit: number | null;
  /** Queue mode: only accounts with a confirmed email address may join. */
  requireVerifiedEmail: boolean;
  state: string;
}
