import { timingSafeEqual } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/types.js';
import type { PlatformSigner } from '../shared/signing.js';
import { ticketErrors } from '../tickets/tickets.errors.js';
import { ticketSettings } from '../tickets/ticket-settings.repository.js';
import { DEFAULT_LOCALE, translator, type Locale, type Translate } from '../i18n/index.js';
import { mailTime } from '../shared/zoned-time.js';
import { findTicketDetail, presentedStatus, type TicketDetail } from '../tickets/ticket-views.repository.js';
import { buildPkpass, type PassJson } from './apple-pass.js';
import type { WalletCredentials } from './credentials.js';
import { objectIdOf, objectPatch, saveLink, type GoogleTicket, type ObjectPatch } from './google-wallet.js';
import { passCode } from './pass-code.js';
import { passImages } from './pass-images.js';
import { walletErrors } from './wallet.errors.js';
import {
  eventTimeZone,
  findPass,
  passesChangedSince,
  passFor,
  register,
  unregister,
  type WalletPass,
} from './wallet.repository.js';

/** Codes stop admitting a day after the event (code-issuer.ts); the pass says so too. */
const expiryOf = (t: TicketDetail) => new Date((t.event.endsAt ?? t.event.startsAt).getTime() + 24 * 3600_000);

/**
 * A transaction that changed a ticket may have begun before a device's previous "what changed"
 * and committed after it, its pass stamped before the tag the device was given. Answering from
 * a little before the tag (longer than any transaction lives: two request timeouts) catches it;
 * a device re-fetching a pass that did not change gets 304.
 */
const CHANGE_OVERLAP_MS = 60_000;

/** The seat in the pass's language: "A · Reihe 3 · Platz 12", "Innenraum · Stehplatz". */
const seatIn = (t: Translate, ticket: Pick<TicketDetail, 'seat' | 'tierName'>) =>
  ticket.seat
    ? t('wallet:seat.reserved', { section: ticket.seat.section, row: ticket.seat.row, seat: ticket.seat.number })
    : t('wallet:seat.general', { tier: ticket.tierName });

/** Why a pass no longer admits, or null while it does. */
function endedBecause(pass: Pick<WalletPass, 'holderId'>, t: TicketDetail | undefined) {
  if (!t) return 'cancelled' as const;
  if (t.holderId !== pass.holderId) return 'moved' as const;
  const status = presentedStatus(t);
  if (status === 'revoked' || status === 'refunded' || t.event.status === 'cancelled') return 'cancelled' as const;
  return null;
}

export interface PkpassFile {
  bytes: Buffer;
  serial: string;
  lastModified: Date;
}

/**
 * Wallet passes: an Apple .pkpass and a Google Wallet save link for the ticket's current
 * holder, Apple's PassKit web service (devices register and fetch the latest pass), and the
 * Google objects' updates the wallet worker sends (wallet.jobs.ts).
 */
export class WalletService {
  constructor(
    private readonly db: Db,
    private readonly signer: PlatformSigner,
    readonly credentials: WalletCredentials,
    /** Where this server is reached: the passes' web service and the save link's origin. */
    private readonly publicUrl: string,
  ) {}

  /** Which wallets this server can add to (the ticket page shows their buttons). */
  providers(): { apple: boolean; google: boolean } {
    return { apple: this.credentials.apple !== null, google: this.credentials.google !== null };
  }

  /** GET /v1/tickets/:id/pass.pkpass: the holder's Apple Wallet pass, labelled in their language. */
  async applePass(principal: Principal, ticketId: string, locale: Locale = DEFAULT_LOCALE): Promise<PkpassFile> {
    if (!this.credentials.apple) throw walletErrors.unavailable('apple', this.credentials.missing.apple);
    const ticket = await this.held(principal, ticketId);
    const pass = await passFor(this.db, ticket.id, ticket.holderId, 'apple', locale);
    return this.pkpass(pass, ticket);
  }

  /** GET /v1/tickets/:id/google-wallet: a signed "Save to Google Wallet" link for the holder. */
  async googleLink(
    principal: Principal,
    ticketId: string,
    nowMs = Date.now(),
    locale: Locale = DEFAULT_LOCALE,
  ): Promise<{ url: string; objectId: string }> {
    const credentials = this.credentials.google;
    if (!credentials) throw walletErrors.unavailable('google', this.credentials.missing.google);
    const ticket = await this.held(principal, ticketId);
    const pass = await passFor(this.db, ticket.id, ticket.holderId, 'google', locale);
    const t = await this.googleTicket(pass, ticket, true);
    return { url: saveLink(credentials, t, new URL(this.publicUrl).origin, nowMs), objectId: t.objectId };
  }

  /** PassKit: a device asks to hear of a pass's changes. True when newly registered. */
  async registerDevice(
    passTypeId: string,
    serial: string,
    authorization: string | undefined,
    deviceId: string,
    pushToken: string,
  ): Promise<boolean> {
    const pass = await this.authenticated(passTypeId, serial, authorization);
    return register(this.db, deviceId, pass.id, pushToken);
  }

  async unregisterDevice(
    passTypeId: string,
    serial: string,
    authorization: string | undefined,
    deviceId: string,
  ): Promise<void> {
    const pass = await this.authenticated(passTypeId, serial, authorization);
    await unregister(this.db, deviceId, pass.id);
  }

  /**
   * PassKit: the serials of a device's passes changed since its last tag, and the next tag (a
   * millisecond time); null when none changed (204).
   */
  async changedSerials(
    passTypeId: string,
    deviceId: string,
    since: string | undefined,
    nowMs = Date.now(),
  ): Promise<{ serialNumbers: string[]; lastUpdated: string } | null> {
    if (!this.credentials.apple || passTypeId !== this.credentials.apple.passTypeId) throw walletErrors.passNotFound();
    const sinceMs = since && /^\d{1,15}$/.test(since) ? Number(since) - CHANGE_OVERLAP_MS : null;
    const rows = await passesChangedSince(this.db, deviceId, sinceMs === null ? null : new Date(sinceMs));
    if (rows.length === 0) return null;
    return { serialNumbers: rows.map((r) => r.id), lastUpdated: String(nowMs) };
  }

  /** PassKit: the pass as it is now (voided once the ticket moved on); null when unchanged since `ifModifiedSince`. */
  async latestPass(
    passTypeId: string,
    serial: string,
    authorization: string | undefined,
    ifModifiedSince: string | undefined,
  ): Promise<PkpassFile | null> {
    const pass = await this.authenticated(passTypeId, serial, authorization);
    const since = ifModifiedSince ? Date.parse(ifModifiedSince) : Number.NaN;
    // HTTP dates have whole seconds.
    if (!Number.isNaN(since) && Math.floor(pass.updatedAt.getTime() / 1000) * 1000 <= since) return null;
    return this.pkpass(pass, await findTicketDetail(this.db, pass.ticketId));
  }

  /**
   * The wallet worker's request for one Google object: its state built from the ticket as it
   * is now (ACTIVE with the new barcode after an exchange, INACTIVE once it changed hands,
   * EXPIRED once cancelled or refunded). Null when the pass is gone or Google is not set up.
   */
  async googleUpdate(passId: string): Promise<{ patch: ObjectPatch; state: string } | null> {
    const credentials = this.credentials.google;
    const pass = await findPass(this.db, passId);
    if (!credentials || !pass) return null;
    const ticket = await findTicketDetail(this.db, pass.ticketId);
    if (!ticket) return null;
    const ended = endedBecause(pass, ticket);
    const state = ended === 'moved' ? 'INACTIVE' : ended === 'cancelled' ? 'EXPIRED' : 'ACTIVE';
    const t = await this.googleTicket(pass, ticket, ended === null);
    return { patch: objectPatch(credentials, t, state), state };
  }

  private async googleTicket(pass: WalletPass, ticket: TicketDetail, admits: boolean): Promise<GoogleTicket> {
    const settings = await ticketSettings(this.db, ticket.eventId);
    const t = translator(pass.locale);
    return {
      locale: pass.locale,
      objectId: objectIdOf(this.credentials.google!, pass.id),
      eventId: ticket.eventId,
      ticketId: ticket.id,
      title: ticket.event.title,
      venue: ticket.event.venueName,
      startsAt: ticket.event.startsAt,
      doorsAt: ticket.event.doorsAt,
      tier: ticket.tierName,
      seat: ticket.seat,
      seatLabel: seatIn(t, ticket),
      holderName: ticket.attendeeName,
      door: { header: t('wallet:field.door'), body: t('wallet:door') },
      code: admits ? passCode(this.signer, ticket, settings) : null,
      validUntil: expiryOf(ticket),
    };
  }

  private async pkpass(pass: WalletPass, ticket: TicketDetail | undefined): Promise<PkpassFile> {
    const apple = this.credentials.apple!;
    const ended = endedBecause(pass, ticket);
    const t = translator(pass.locale);
    const base: PassJson = {
      formatVersion: 1,
      passTypeIdentifier: apple.passTypeId,
      teamIdentifier: apple.teamId,
      serialNumber: pass.id,
      authenticationToken: this.passToken(pass.id),
      webServiceURL: `${this.publicUrl}/v1/passkit`,
      organizationName: 'Fairdrop',
      description: ticket ? t('wallet:description', { event: ticket.event.title }) : t('wallet:descriptionGeneric'),
      foregroundColor: 'rgb(255, 255, 255)',
      labelColor: 'rgb(214, 228, 245)',
      backgroundColor: 'rgb(11, 92, 173)',
    };
    let json: PassJson;
    if (!ticket || ended) {
      // Voided: the wallet greys it out; no barcode, and it says why.
      json = {
        ...base,
        voided: true,
        eventTicket: {
          primaryFields: [
            { key: 'event', label: t('wallet:field.event'), value: ticket?.event.title ?? t('wallet:ticket') },
          ],
          secondaryFields: [
            {
              key: 'status',
              label: t('wallet:field.status'),
              value: ended === 'moved' ? t('wallet:voided.moved') : t('wallet:voided.cancelled'),
            },
          ],
        },
      };
    } else {
      const [settings, zone] = await Promise.all([
        ticketSettings(this.db, ticket.eventId),
        eventTimeZone(this.db, ticket.eventId),
      ]);
      const seat = seatIn(t, ticket);
      json = {
        ...base,
        relevantDate: ticket.event.startsAt.toISOString(),
        expirationDate: expiryOf(ticket).toISOString(),
        barcodes: [
          {
            format: 'PKBarcodeFormatQR',
            message: passCode(this.signer, ticket, settings),
            messageEncoding: 'iso-8859-1',
            altText: seat,
          },
        ],
        eventTicket: {
          primaryFields: [{ key: 'event', label: t('wallet:field.event'), value: ticket.event.title }],
          secondaryFields: [{ key: 'seat', label: t('wallet:field.seat'), value: seat }],
          auxiliaryFields: [
            {
              // The wallet writes this one in the device's own language and zone.
              key: 'starts',
              label: t('wallet:field.starts'),
              value: ticket.event.startsAt.toISOString(),
              dateStyle: 'PKDateStyleMedium',
              timeStyle: 'PKDateStyleShort',
            },
            { key: 'venue', label: t('wallet:field.venue'), value: ticket.event.venueName },
          ],
          backFields: [
            // The time at the venue, written the holder's way ("Sa., 12. Dez. 2026, 20:00 CET (Ortszeit Berlin)").
            ...(zone
              ? [
                  {
                    key: 'when',
                    label: t('wallet:field.when'),
                    value: mailTime(ticket.event.startsAt, zone, pass.locale),
                  },
                ]
              : []),
            { key: 'tier', label: t('wallet:field.tier'), value: ticket.tierName },
            ...(ticket.attendeeName
              ? [{ key: 'holder', label: t('wallet:field.holder'), value: ticket.attendeeName }]
              : []),
            {
              key: 'ticket',
              label: t('wallet:field.ticketNumber'),
              value: t('wallet:ticketNumber', { id: ticket.id, version: ticket.version }),
            },
            { key: 'door', label: t('wallet:field.door'), value: t('wallet:door') },
          ],
        },
      };
    }
    const bytes = await buildPkpass(json, await passImages(), apple, pass.updatedAt);
    return { bytes, serial: pass.id, lastModified: pass.updatedAt };
  }

  /** The pass's `authenticationToken`: derived from the platform key and the serial, never stored. */
  private passToken(passId: string): string {
    return this.signer.derive(`fairdrop/wallet/apple-pass-token/v1/${passId}`, 24).toString('base64url');
  }

  /** The pass a PassKit call names, once its `Authorization: ApplePass <token>` is this pass's. */
  private async authenticated(passTypeId: string, serial: string, authorization: string | undefined) {
    if (!this.credentials.apple || passTypeId !== this.credentials.apple.passTypeId) throw walletErrors.passNotFound();
    const token = /^ApplePass\s+(\S+)$/.exec(authorization ?? '')?.[1];
    if (!token) throw walletErrors.passUnauthorized();
    const pass = /^[0-9a-f-]{36}$/i.test(serial) ? await findPass(this.db, serial) : undefined;
    const expected = Buffer.from(this.passToken(pass?.id ?? serial));
    const given = Buffer.from(token);
    if (!pass || pass.kind !== 'apple' || given.length !== expected.length || !timingSafeEqual(given, expected))
      throw walletErrors.passUnauthorized();
    return pass;
  }

  /** The ticket, if the caller holds it now and it still admits; anyone else is told it does not exist. */
  private async held(principal: Principal, ticketId: string): Promise<TicketDetail> {
    const ticket = await findTicketDetail(this.db, ticketId);
    // The holder only: not even an admin gets a pass to someone else's ticket.
    if (!ticket || ticket.holderId !== principal.userId) throw ticketErrors.notFound();
    const status = presentedStatus(ticket);
    if (status === 'revoked' || status === 'refunded' || ticket.event.status === 'cancelled')
      throw ticketErrors.notValid(status === 'valid' || status === 'used' ? 'revoked' : status);
    return ticket;
  }
}
