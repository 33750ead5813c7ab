import { sign } from 'node:crypto';
import type { Locale } from '../i18n/locales.js';
import type { GoogleCredentials } from './credentials.js';

/**
 * Google Wallet: a save link carries a JWT (RS256, signed with the service account's key) whose
 * payload holds the event ticket class and object; Google creates them when the fan saves.
 * Later changes go through the REST API (PATCH of the object), with an OAuth access token the
 * same key obtains (the JWT-bearer grant). Plain node:crypto and fetch: a JWT is two JSON
 * documents and a signature, not worth a dependency.
 */

export const SAVE_URL = 'https://pay.google.com/gp/v/save/';
const SCOPE = 'https://www.googleapis.com/auth/wallet_object.issuer';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

export function signJwt(claims: Record<string, unknown>, privateKey: GoogleCredentials['privateKey']): string {
  const head = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${sign('sha256', Buffer.from(head), privateKey).toString('base64url')}`;
}

/** The pass's texts are in the holder's language; Google writes its own labels in the device's. */
const LANGUAGE_TAG: Record<Locale, string> = { en: 'en-US', de: 'de-DE', es: 'es-ES' };
const localizedIn = (locale: Locale) => (value: string) => ({
  defaultValue: { language: LANGUAGE_TAG[locale], value },
});

/** What the pass shows, from the ticket as it is. */
export interface GoogleTicket {
  /** The holder's language when they saved it. */
  locale: Locale;
  objectId: string;
  eventId: string;
  ticketId: string;
  title: string;
  venue: string;
  startsAt: Date;
  doorsAt: Date | null;
  tier: string;
  seat: { section: string; row: string; number: number } | null;
  seatLabel: string;
  holderName: string | null;
  /** What to do at the door, in the holder's language. */
  door: { header: string; body: string };
  /** Null on a pass that no longer admits: no barcode to show. */
  code: string | null;
  validUntil: Date;
}

/** One class per event (what every ticket of it shares), named after the issuer and the event. */
export const classIdOf = (credentials: GoogleCredentials, eventId: string) =>
  `${credentials.issuerId}.fairdrop-event-${eventId}`;
export const objectIdOf = (credentials: GoogleCredentials, passId: string) =>
  `${credentials.issuerId}.fairdrop-pass-${passId}`;

export function eventTicketClass(credentials: GoogleCredentials, t: GoogleTicket) {
  const localized = localizedIn(t.locale);
  return {
    id: classIdOf(credentials, t.eventId),
    issuerName: 'Fairdrop',
    reviewStatus: 'UNDER_REVIEW',
    eventName: localized(t.title),
    venue: { name: localized(t.venue), address: localized(t.venue) },
    dateTime: { start: t.startsAt.toISOString(), ...(t.doorsAt ? { doorsOpen: t.doorsAt.toISOString() } : {}) },
  };
}

export function eventTicketObject(
  credentials: GoogleCredentials,
  t: GoogleTicket,
  state: 'ACTIVE' | 'INACTIVE' | 'EXPIRED',
) {
  const localized = localizedIn(t.locale);
  return {
    id: t.objectId,
    classId: classIdOf(credentials, t.eventId),
    state,
    ticketNumber: t.ticketId,
    ticketType: localized(t.tier),
    ...(t.holderName ? { ticketHolderName: t.holderName } : {}),
    ...(t.seat
      ? {
          seatInfo: {
            section: localized(t.seat.section),
            row: localized(t.seat.row),
            seat: localized(String(t.seat.number)),
          },
        }
      : {}),
    ...(t.code ? { barcode: { type: 'QR_CODE', value: t.code, alternateText: t.seatLabel } } : {}),
    validTimeInterval: { end: { date: t.validUntil.toISOString() } },
    textModulesData: [{ id: 'door', header: t.door.header, body: t.door.body }],
  };
}

/** The "Save to Google Wallet" link: https://pay.google.com/gp/v/save/<JWT>. */
export function saveLink(credentials: GoogleCredentials, t: GoogleTicket, origin: string, nowMs: number): string {
  const jwt = signJwt(
    {
      iss: credentials.serviceAccountEmail,
      aud: 'google',
      typ: 'savetowallet',
      iat: Math.floor(nowMs / 1000),
      origins: [origin],
      payload: {
        eventTicketClasses: [eventTicketClass(credentials, t)],
        eventTicketObjects: [eventTicketObject(credentials, t, 'ACTIVE')],
      },
    },
    credentials.privateKey,
  );
  return `${SAVE_URL}${jwt}`;
}

/** What one update sends: built here, sent by GoogleWalletClient. */
export interface ObjectPatch {
  method: 'PATCH';
  url: string;
  body: Record<string, unknown>;
}

export function objectPatch(
  credentials: GoogleCredentials,
  t: GoogleTicket,
  state: 'ACTIVE' | 'INACTIVE' | 'EXPIRED',
): ObjectPatch {
  const object = eventTicketObject(credentials, t, state);
  // A pass that no longer admits loses its barcode too: Google shows an inactive pass's code otherwise.
  const body = state === 'ACTIVE' ? object : { ...object, barcode: null };
  return {
    method: 'PATCH',
    url: `${credentials.apiBase}/walletobjects/v1/eventTicketObject/${encodeURIComponent(t.objectId)}`,
    body,
  };
}

export type PatchOutcome = 'sent' | 'not_saved' | { retry: string } | { failed: string };

/** Talks to Google's REST API with an access token from the service account, kept until shortly before it expires. */
export class GoogleWalletClient {
  private token: { value: string; expiresAtMs: number } | null = null;

  constructor(
    private readonly credentials: GoogleCredentials,
    private readonly timeoutMs = 10_000,
  ) {}

  async send(patch: ObjectPatch): Promise<PatchOutcome> {
    let res: Response;
    try {
      res = await fetch(patch.url, {
        method: patch.method,
        headers: { authorization: `Bearer ${await this.accessToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify(patch.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      return { retry: (err as Error).message };
    }
    const text = (await res.text()).slice(0, 500);
    if (res.ok) return 'sent';
    // The fan took the link but never saved it: there is no object to update.
    if (res.status === 404) return 'not_saved';
    if (res.status === 401) this.token = null;
    if (res.status === 400 || res.status === 403) return { failed: `${res.status} ${text}` };
    return { retry: `${res.status} ${text}` };
  }

  private async accessToken(): Promise<string> {
    const now = Date.now();
    if (this.token && this.token.expiresAtMs - 60_000 > now) return this.token.value;
    const iat = Math.floor(now / 1000);
    const assertion = signJwt(
      { iss: this.credentials.serviceAccountEmail, scope: SCOPE, aud: this.credentials.tokenUrl, iat, exp: iat + 3600 },
      this.credentials.privateKey,
    );
    const res = await fetch(this.credentials.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`token exchange answered ${res.status}`);
    const body = (await res.json()) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new Error('token exchange gave no access_token');
    this.token = { value: body.access_token, expiresAtMs: now + (body.expires_in ?? 3600) * 1000 };
    return body.access_token;
  }
}
