import { findUserByEmail, findUserById } from '../auth/auth.repository.js';
import type { Principal } from '../auth/principal.js';
import { requireOwner } from '../auth/guards.js';
import type { ClientMeta, SessionGrant } from '../auth/auth.service.js';
import { findEvent, findVenue } from '../catalog/catalog.repository.js';
import { isCheckedIn } from '../checkin/checkin.repository.js';
import type { Db } from '../db/types.js';
import { isLocale } from '../i18n/index.js';
import { say, type Phrase } from '../notifications/notice-message.js';
import { timeIn } from '../notifications/notice-text.js';
import { notify } from '../notifications/notifications.repository.js';
import { enqueueEmail } from '../notifications/outbox.repository.js';
import { findOrder } from '../orders/orders.repository.js';
import { countTowardsLimit, effectiveLimit, lockAccountEvent } from '../sales/limits.js';
import { findOnsale } from '../sales/onsale.repository.js';
import { salesErrors } from '../sales/sales.errors.js';
import type { PlatformSigner } from '../shared/signing.js';
import { hashSecret, newSecret } from '../shared/tokens.js';
import { appendTimeline } from '../timeline/timeline.repository.js';
import { countValidTickets, validTicketsOfHolderInOrder } from './tickets.repository.js';
import { ticketErrors } from './tickets.errors.js';
import {
  changeHolder,
  findTransfer,
  finishTransfer,
  insertTransfer,
  lockTicket,
  lockTransfer,
  pendingOfferTicketIds,
  transfersOf,
  type TransferRow,
} from './transfers.repository.js';

export interface TransferView {
  id: string;
  ticketId: string;
  eventId: string;
  fromUserId: string;
  toEmail: string;
  toUserId: string | null;
  message: string | null;
  status: TransferRow['status'];
  createdAt: string;
  decidedAt: string | null;
}

export const presentTransfer = (t: TransferRow): TransferView => ({
  id: t.id,
  ticketId: t.ticketId,
  eventId: t.eventId,
  fromUserId: t.fromUserId,
  toEmail: t.toEmail,
  toUserId: t.toUserId,
  message: t.message,
  status: t.status,
  createdAt: t.createdAt.toISOString(),
  decidedAt: t.decidedAt?.toISOString() ?? null,
});

export interface TransferDeps {
  db: Db;
  signer: PlatformSigner;
  publicUrl: string;
  /**
   * Creates an account for a recipient who had none, its address already confirmed: the
   * invitation token came by mail to that address (AuthService.register with `verified`).
   */
  registerVerified(
    input: { email: string; password: string; displayName: string },
    meta: ClientMeta,
  ): Promise<SessionGrant>;
}

type Sender = Pick<Principal, 'userId' | 'email' | 'displayName'>;
type Recipient = Pick<Principal, 'userId' | 'email' | 'displayName' | 'emailVerified'>;

/**
 * Gifts and transfers at face value to a named person: offered by email, accepted by the
 * account with that address once the address is confirmed (or by one created from the
 * invitation, whose token proves the mailbox), cancellable until then. The token travels only
 * in the mail to that address: an account that merely claims the address (registered with
 * it, never confirmed) sees the offer in the app but cannot take it.
 */
export class TransferService {
  constructor(private readonly deps: TransferDeps) {}

  async offer(
    principal: Principal,
    ticketId: string,
    input: { toEmail: string; message?: string | undefined },
  ): Promise<TransferView> {
    return this.deps.db.transaction(async (tx) =>
      presentTransfer(await this.offerInTx(tx, principal, ticketId, input.toEmail, input.message ?? null)),
    );
  }

  /** A group buyer sends every ticket of an order to the attendee named on it, all or none. */
  async offerOrderToAttendees(principal: Principal, orderId: string, message: string | null): Promise<TransferView[]> {
    const order = await findOrder(this.deps.db, orderId);
    // A stranger's order answers as a missing one does: the same code, so ids cannot be probed.
    if (!order) throw ticketErrors.orderNotFound();
    requireOwner(principal, order.userId, 'orders.not_found', 'order');
    return this.deps.db.transaction(async (tx) => {
      const rows = await validTicketsOfHolderInOrder(tx, orderId, principal.userId);
      const ticketIds = rows.map((r) => r.id);
      const offered = new Set(await pendingOfferTicketIds(tx, ticketIds));
      // The buyer's own ticket, unnamed tickets and tickets already on offer stay as they are.
      const targets = rows.filter(
        (r) => r.attendeeEmail && r.attendeeEmail.toLowerCase() !== principal.email.toLowerCase() && !offered.has(r.id),
      );
      if (targets.length === 0) throw ticketErrors.noAttendees();
      const out: TransferView[] = [];
      for (const t of targets)
        out.push(presentTransfer(await this.offerInTx(tx, principal, t.id, t.attendeeEmail!.toLowerCase(), message)));
      return out;
    });
  }

  async cancel(principal: Principal, transferId: string): Promise<TransferView> {
    return this.deps.db.transaction(async (tx) => {
      const transfer = await lockTransfer(tx, transferId);
      if (!transfer) throw ticketErrors.transferNotFound();
      requireOwner(principal, transfer.fromUserId, 'transfers.not_found', 'transfer');
      if (transfer.status !== 'pending') throw ticketErrors.notPending(transfer.status);
      const done = (await finishTransfer(tx, transfer.id, 'cancelled', null))!;
      await appendTimeline(tx, this.deps.signer, [
        {
          userId: transfer.fromUserId,
          kind: 'ticket.transfer_cancelled',
          subjectType: 'ticket',
          subjectId: transfer.ticketId,
          eventId: transfer.eventId,
          actorId: principal.userId,
          data: { transferId: transfer.id, toEmail: transfer.toEmail },
        },
      ]);
      return presentTransfer(done);
    });
  }

  /**
   * The recipient, signed in with the confirmed address the ticket was offered to, takes it.
   * The invitation token is not needed then; given, it must be this transfer's.
   */
  async accept(principal: Principal, transferId: string, token: string | undefined): Promise<TransferView> {
    return this.deps.db.transaction(async (tx) =>
      presentTransfer(await this.acceptInTx(tx, principal, transferId, token)),
    );
  }

  /** A recipient without an account creates one from the invitation (the token proves the address) and takes the ticket. */
  async claim(
    transferId: string,
    input: { token: string; password: string; displayName: string },
    meta: ClientMeta,
  ): Promise<{ session: SessionGrant; transfer: TransferView }> {
    const transfer = await findTransfer(this.deps.db, transferId);
    if (!transfer) throw ticketErrors.transferNotFound();
    if (transfer.tokenHash !== hashSecret(input.token)) throw ticketErrors.badToken();
    if (transfer.status !== 'pending') throw ticketErrors.notPending(transfer.status);
    if (await findUserByEmail(this.deps.db, transfer.toEmail)) throw ticketErrors.accountExists();
    // Before the account exists: an offer that can no longer be taken (stale, event closed,
    // transfers off, ticket used) is refused without leaving an account behind.
    await this.deps.db.transaction((tx) => this.offeredTicket(tx, transfer));
    const session = await this.deps.registerVerified(
      { email: transfer.toEmail, password: input.password, displayName: input.displayName },
      meta,
    );
    const accepted = await this.deps.db.transaction((tx) =>
      this.acceptInTx(
        tx,
        {
          userId: session.user.id,
          email: session.user.email,
          displayName: session.user.displayName,
          emailVerified: session.user.emailVerified,
        },
        transferId,
        input.token,
      ),
    );
    return { session, transfer: presentTransfer(accepted) };
  }

  async list(principal: Principal, limit: number): Promise<TransferView[]> {
    return (await transfersOf(this.deps.db, principal.userId, principal.email.toLowerCase(), limit)).map(
      presentTransfer,
    );
  }

  private async offerInTx(
    tx: Db,
    sender: Sender,
    ticketId: string,
    toEmail: string,
    message: string | null,
  ): Promise<TransferRow> {
    const ticket = await lockTicket(tx, ticketId);
    if (!ticket || ticket.holderId !== sender.userId) throw ticketErrors.notFound();
    if (toEmail === sender.email.toLowerCase()) throw ticketErrors.toSelf();
    if (ticket.status !== 'valid') throw ticketErrors.notValid(ticket.status);
    if (ticket.resaleListingId) throw ticketErrors.listedForResale();
    await this.assertTransferable(tx, ticket.eventId, ticket.id);
    const token = newSecret('fdx');
    const transfer = await insertTransfer(tx, {
      ticketId,
      eventId: ticket.eventId,
      fromUserId: sender.userId,
      toEmail,
      message,
      tokenHash: hashSecret(token),
      ticketVersion: ticket.version,
    });
    const event = (await findEvent(tx, ticket.eventId))!;
    const venue = await findVenue(tx, event.venueId);
    // The event's start as words at the venue, made when the mail is sent or the notice read.
    const times = { startsAt: event.startsAt.toISOString(), ...(venue ? { timeZone: venue.timeZone } : {}) };
    const name = { name: sender.displayName };
    const title = say('notices:transferReceived.title', name);
    const body = (action: Phrase): Phrase[] => [
      say('notices:transferReceived.body', { ...name, event: event.title, time: timeIn('startsAt') }),
      ...(message ? [say('notices:transferReceived.note', { message })] : []),
      action,
      say('notices:transferReceived.free'),
    ];
    const recipient = await findUserByEmail(tx, toEmail);
    // An address with no account has no language of its own: the mail is in the sender's.
    const locale = recipient ? undefined : (await findUserById(tx, sender.userId))?.locale;
    // The mail goes to the address itself, the one place the token may travel: it proves the
    // mailbox (to create an account from it) and nothing else needs it.
    await enqueueEmail(tx, this.deps.signer, {
      userId: recipient?.id ?? null,
      kind: 'transfer.received',
      to: toEmail,
      message: {
        title,
        body: body(
          say('notices:transferReceived.accept', {
            link: `${this.deps.publicUrl}/transfer.html#id=${transfer.id}&token=${token}`,
          }),
        ),
        ...(locale && isLocale(locale) ? { locale } : {}),
      },
      payload: { token, data: times },
      refs: { transferId: transfer.id },
    });
    if (recipient) {
      // In the app, only the offer: whoever registered this address sees it, and the account
      // takes it once the address is confirmed. No token here (the feed and the push are read
      // by the account, not the mailbox).
      await notify(tx, [
        {
          userId: recipient.id,
          kind: 'transfer.received',
          message: {
            title,
            body: body(
              say('notices:transferReceived.see', { link: `${this.deps.publicUrl}/transfer.html#id=${transfer.id}` }),
            ),
          },
          dedupeKey: `transfer.received:${transfer.id}`,
          data: { transferId: transfer.id, ticketId, eventId: ticket.eventId, ...times },
        },
      ]);
    }
    await appendTimeline(tx, this.deps.signer, [
      {
        userId: sender.userId,
        kind: 'ticket.transfer_offered',
        subjectType: 'ticket',
        subjectId: ticketId,
        eventId: ticket.eventId,
        actorId: sender.userId,
        data: { transferId: transfer.id, toEmail, version: ticket.version },
      },
    ]);
    return transfer;
  }

  private async acceptInTx(
    tx: Db,
    recipient: Recipient,
    transferId: string,
    token: string | undefined,
  ): Promise<TransferRow> {
    const transfer = await lockTransfer(tx, transferId);
    if (!transfer) throw ticketErrors.transferNotFound();
    if (token !== undefined && transfer.tokenHash !== hashSecret(token)) throw ticketErrors.badToken();
    if (transfer.status !== 'pending') throw ticketErrors.notPending(transfer.status);
    if (transfer.toEmail !== recipient.email.toLowerCase()) throw ticketErrors.wrongRecipient();
    // Registering with an address proves nothing: only a confirmed one (or the mailed token, in claim) does.
    if (!recipient.emailVerified) throw ticketErrors.emailUnverified();
    const ticket = await this.offeredTicket(tx, transfer);
    await this.assertWithinLimit(tx, recipient.userId, ticket.eventId);
    const version = await changeHolder(tx, ticket.id, ticket.version, {
      userId: recipient.userId,
      name: recipient.displayName,
      email: recipient.email.toLowerCase(),
    });
    if (version === null) throw ticketErrors.stale();
    const done = (await finishTransfer(tx, transfer.id, 'accepted', recipient.userId))!;
    await appendTimeline(tx, this.deps.signer, [
      {
        userId: transfer.fromUserId,
        kind: 'ticket.transferred',
        subjectType: 'ticket',
        subjectId: ticket.id,
        eventId: ticket.eventId,
        actorId: recipient.userId,
        data: { transferId: transfer.id, toUserId: recipient.userId, fromVersion: ticket.version, version },
      },
      {
        userId: recipient.userId,
        kind: 'ticket.received',
        subjectType: 'ticket',
        subjectId: ticket.id,
        eventId: ticket.eventId,
        actorId: recipient.userId,
        data: { transferId: transfer.id, fromUserId: transfer.fromUserId, version },
      },
    ]);
    const sender = await findUserById(tx, transfer.fromUserId);
    await notify(tx, [
      {
        userId: transfer.fromUserId,
        email: sender?.email,
        kind: 'transfer.accepted',
        message: {
          title: say('notices:transferAccepted.title', { name: recipient.displayName }),
          body: [say('notices:transferAccepted.body', { name: recipient.displayName })],
        },
        dedupeKey: `transfer.accepted:${transfer.id}`,
        data: { transferId: transfer.id, ticketId: ticket.id, eventId: ticket.eventId },
      },
    ]);
    return done;
  }

  /** The offered ticket, locked, if it is still the one offered and may still change hands. */
  private async offeredTicket(tx: Db, transfer: TransferRow) {
    const ticket = await lockTicket(tx, transfer.ticketId);
    if (
      !ticket ||
      ticket.status !== 'valid' ||
      ticket.version !== transfer.ticketVersion ||
      ticket.holderId !== transfer.fromUserId
    )
      throw ticketErrors.stale();
    await this.assertTransferable(tx, ticket.eventId, ticket.id);
    return ticket;
  }

  private async assertTransferable(tx: Db, eventId: string, ticketId: string): Promise<void> {
    const event = await findEvent(tx, eventId);
    if (!event) throw ticketErrors.notFound();
    if (event.status === 'cancelled' || event.status === 'completed') throw ticketErrors.eventClosed(event.status);
    if (!event.transfersAllowed) throw ticketErrors.transfersDisabled();
    if (await isCheckedIn(tx, ticketId)) throw ticketErrors.alreadyUsed();
  }

  /**
   * The per-account limit applies to received tickets too (src/sales/limits.ts protocol: lock,
   * count, refuse). What the account has is the larger of countTowardsLimit (live holds and
   * valid tickets held) and countValidTickets (valid tickets held).
   */
  private async assertWithinLimit(tx: Db, userId: string, eventId: string): Promise<void> {
    const event = (await findEvent(tx, eventId))!;
    const onsale = await findOnsale(tx, eventId);
    const limit = effectiveLimit(event.perAccountLimit, onsale?.perAccountLimit);
    if (limit === null) return;
    await lockAccountEvent(tx, userId, eventId);
    const counted = Math.max(
      await countTowardsLimit(tx, userId, eventId),
      await countValidTickets(tx, userId, eventId),
    );
    if (counted + 1 > limit) throw salesErrors.limitExceeded(limit, counted);
  }
}
