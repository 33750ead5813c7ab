import { randomUUID } from 'node:crypto';
import type { TestEnv } from './env.js';

/** Fixtures for resale tests: every call goes through the API as a page would, with an Idempotency-Key. */

const key = () => ({ 'idempotency-key': randomUUID() });

export const quote = (env: TestEnv, token: string, ticketId: string) =>
  env.api.get(`/v1/tickets/${ticketId}/resale`, { token });

export const listTicket = (env: TestEnv, token: string, ticketId: string, priceCents: number) =>
  env.api.post(`/v1/tickets/${ticketId}/resale`, { priceCents }, { token, headers: key() });

export const withdraw = (env: TestEnv, token: string, listingId: string) =>
  env.api.post(`/v1/resale/${listingId}/withdraw`, undefined, { token, headers: key() });

export const pass = (env: TestEnv, token: string, listingId: string) =>
  env.api.post(`/v1/resale/${listingId}/pass`, undefined, { token, headers: key() });

export const buy = (env: TestEnv, token: string, listingId: string, payment: Record<string, unknown>) =>
  env.api.post(`/v1/resale/${listingId}/purchase`, { payment }, { token, headers: key() });

/** Everything the database says about a listing: the listing, its purchases, its payout, its ticket. */
export async function resaleState(env: TestEnv, listingId: string) {
  const sql = env.infra.database.sql;
  const [listing] = await sql`select * from resale_listings where id = ${listingId}`;
  const purchases = await sql`select * from resale_purchases where listing_id = ${listingId} order by created_at`;
  const payouts = await sql`select * from resale_payouts where listing_id = ${listingId}`;
  const [ticket] =
    await sql`select holder_id, version, status, resale_listing_id from tickets where id = ${listing!.ticket_id}`;
  const intents = purchases.length
    ? await sql`select id, status from sandbox_payment_intents where id = any(${purchases.map((p) => p.intent_id).filter(Boolean)})`
    : [];
  return { listing: listing!, purchases, payouts, ticket: ticket!, intents };
}
