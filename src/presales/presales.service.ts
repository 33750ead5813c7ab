import type { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { catalogErrors } from '../catalog/catalog.errors.js';
import * as catalog from '../catalog/catalog.repository.js';
import { assertEventOrganizer, canSeeEvent } from '../catalog/guards.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Db } from '../db/types.js';
import type { Logger } from '../logger.js';
import { findOnsale } from '../sales/onsale.repository.js';
import {
  codeHasher,
  generateCode,
  hintOf,
  isCodeShape,
  normalizeCode,
  parseCodesCsv,
  type CodeHasher,
} from './codes.js';
import { presaleErrors } from './presales.errors.js';
import * as repo from './presales.repository.js';
import type { WindowRow } from './presales.repository.js';
import type {
  allowlistView,
  codeList,
  eventPresales,
  generatedCodes,
  redemptionList,
  redeemResult,
  WindowBody,
  WindowPatch,
  WindowView,
} from './presales.schemas.js';
import type { PlatformSigner } from '../shared/signing.js';

export interface PresaleDeps {
  db: Db;
  signer: PlatformSigner;
  logger: Logger;
  /** A window was created, changed or deleted: the waiting room drops its copy (and opens the room if due). */
  changed?: (windowId: string) => Promise<void>;
}

/** Default pre-queue of a queue-mode window: half an hour before it opens, as fans expect of a drop. */
const DEFAULT_PREQUEUE_MS = 30 * 60_000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function presentWindow(w: WindowRow, now = Date.now()): WindowView {
  const status =
    w.state === 'closed' || w.closesAt.getTime() <= now ? 'closed' : w.opensAt.getTime() <= now ? 'open' : 'upcoming';
  return {
    id: w.id,
    eventId: w.eventId,
    name: w.name,
    gate: w.gate,
    mode: w.mode,
    prequeueOpensAt: w.prequeueOpensAt?.toISOString() ?? null,
    opensAt: w.opensAt.toISOString(),
    closesAt: w.closesAt.toISOString(),
    state: w.state,
    status,
  };
}

/**
 * Presale windows and their gates: organizers set windows, codes and allow-lists; fans redeem
 * codes. Who may hold in a window is decided in one place, `fd_presale_eligible` (drizzle/0030),
 * which the hold statement and every answer here ask alike.
 */
export class PresaleService {
  private readonly hasher: CodeHasher;

  constructor(private readonly deps: PresaleDeps) {
    this.hasher = codeHasher(deps.signer);
  }

  private get db(): Db {
    return this.deps.db;
  }

  // ---- fans ----

  /** The event's windows; with a session, whether each lets this account buy. */
  async forEvent(principal: Principal | null, eventId: string): Promise<z.input<typeof eventPresales>> {
    const event = await catalog.findEvent(this.db, eventId);
    if (!event || !canSeeEvent(principal, event)) throw catalogErrors.eventNotFound();
    const [windows, sale] = await Promise.all([repo.listWindows(this.db, eventId), findOnsale(this.db, eventId)]);
    const mine = principal
      ? await repo.myWindows(
          this.db,
          windows.map((w) => w.id),
          principal.userId,
        )
      : null;
    const views = windows.map((w) => ({
      ...presentWindow(w),
      eligible: mine ? (mine.get(w.id)?.eligible ?? false) : null,
      redeemed: mine ? (mine.get(w.id)?.redeemed ?? false) : null,
    }));
    const saleStarted = sale ? sale.saleStartsAt.getTime() <= Date.now() : false;
    return {
      eventId,
      saleStartsAt: sale?.saleStartsAt.toISOString() ?? null,
      current: saleStarted ? null : (views.find((v) => v.status === 'open')?.id ?? null),
      windows: views,
    };
  }

  /**
   * Binds a code to this account for the window. The code's row is locked, so uses of one code
   * are counted one after another and never pass its cap; the account keeps one code per window
   * and redeeming its own code again answers the same.
   */
  async redeem(userId: string, windowId: string, raw: string): Promise<z.input<typeof redeemResult>> {
    const code = normalizeCode(raw);
    const hash = isCodeShape(code) ? this.hasher.hash(code) : null;
    try {
      return await this.db.transaction(async (tx) => {
        const window = await repo.findWindow(tx, windowId);
        if (!window) throw presaleErrors.windowNotFound();
        if (window.gate !== 'code') throw presaleErrors.wrongGate(window.gate);
        if (window.state === 'closed' || window.closesAt.getTime() <= Date.now()) throw presaleErrors.windowClosed();
        const found = hash ? await repo.lockCodeByHash(tx, windowId, hash) : undefined;
        if (!found) throw presaleErrors.codeInvalid();
        if (found.revokedAt) throw presaleErrors.codeRevoked();
        const answer = (at: Date) => ({
          windowId,
          eventId: window.eventId,
          eligible: true as const,
          redeemedAt: at.toISOString(),
        });
        const already = await repo.redemptionOf(tx, windowId, userId);
        // The account's own code again (a retry, a second tab): the same answer. Another code: it has one already.
        if (already) return answer(already.createdAt);
        if (found.uses >= found.maxUses) throw presaleErrors.codeUsedUp(found.maxUses);
        return answer(await repo.redeem(tx, found, userId));
      });
    } catch (err) {
      // Two tabs of one account redeeming two codes at once: the first one's binding stands.
      if (isUniqueViolation(err, 'presale_redemptions_window_user_unique')) {
        const already = await repo.redemptionOf(this.db, windowId, userId);
        const window = await repo.findWindow(this.db, windowId);
        if (already && window)
          return { windowId, eventId: window.eventId, eligible: true, redeemedAt: already.createdAt.toISOString() };
      }
      throw err;
    }
  }

  // ---- organizers: windows ----

  private async organizerEvent(principal: Principal, eventId: string) {
    const event = await catalog.findEvent(this.db, eventId);
    if (!event || !canSeeEvent(principal, event)) throw catalogErrors.eventNotFound();
    assertEventOrganizer(principal, event);
    return event;
  }

  /** The window, once the caller is shown to manage its event. */
  private async managedWindow(principal: Principal, windowId: string): Promise<WindowRow> {
    const window = await repo.findWindow(this.db, windowId);
    if (!window) throw presaleErrors.windowNotFound();
    const event = await catalog.findEvent(this.db, window.eventId);
    if (!event) throw presaleErrors.windowNotFound();
    assertEventOrganizer(principal, event);
    return window;
  }

  async listWindows(principal: Principal, eventId: string): Promise<WindowView[]> {
    await this.organizerEvent(principal, eventId);
    return (await repo.listWindows(this.db, eventId)).map((w) => presentWindow(w));
  }

  async createWindow(principal: Principal, eventId: string, body: WindowBody): Promise<WindowView> {
    await this.organizerEvent(principal, eventId);
    const made = await this.db.transaction(async (tx) => {
      const values = await this.checkedTimes(tx, eventId, null, body);
      return repo.insertWindow(tx, {
        eventId,
        name: body.name,
        gate: body.gate,
        ...values,
        createdBy: principal.userId,
      });
    });
    await this.tellRoom(made.id);
    return presentWindow(made);
  }

  async updateWindow(principal: Principal, windowId: string, patch: WindowPatch): Promise<WindowView> {
    const window = await this.managedWindow(principal, windowId);
    const updated = await this.db.transaction(async (tx) => {
      const merged = {
        name: patch.name ?? window.name,
        gate: patch.gate ?? window.gate,
        mode: patch.mode ?? window.mode,
        opensAt: patch.opensAt ?? window.opensAt,
        closesAt: patch.closesAt ?? window.closesAt,
        prequeueOpensAt:
          patch.prequeueOpensAt ?? (patch.opensAt || patch.mode ? undefined : (window.prequeueOpensAt ?? undefined)),
      };
      const values = await this.checkedTimes(tx, window.eventId, windowId, merged);
      return repo.updateWindow(tx, windowId, { name: merged.name, gate: merged.gate, ...values });
    });
    await this.tellRoom(windowId);
    return presentWindow(updated);
  }

  async deleteWindow(principal: Principal, windowId: string): Promise<WindowView> {
    const window = await this.managedWindow(principal, windowId);
    await this.db.transaction((tx) => repo.deleteWindow(tx, windowId));
    await this.tellRoom(windowId);
    return presentWindow(window);
  }

  /**
   * The window's times and mode, checked against the event's on-sale and its other windows (under
   * the event's presale lock): it closes by the general sale, overlaps no other window, and a
   * queue-mode window's pre-queue opens before it does.
   */
  private async checkedTimes(
    tx: Db,
    eventId: string,
    windowId: string | null,
    body: Pick<WindowBody, 'mode' | 'opensAt' | 'closesAt' | 'prequeueOpensAt'>,
  ) {
    const sale = await findOnsale(tx, eventId);
    if (!sale) throw presaleErrors.noOnsale();
    if (body.closesAt.getTime() <= body.opensAt.getTime()) throw presaleErrors.closesBeforeOpens();
    if (body.closesAt.getTime() > sale.saleStartsAt.getTime()) throw presaleErrors.afterGeneralSale(sale.saleStartsAt);
    const mode = body.mode ?? sale.mode;
    const prequeueOpensAt =
      mode === 'queue' ? (body.prequeueOpensAt ?? new Date(body.opensAt.getTime() - DEFAULT_PREQUEUE_MS)) : null;
    if (prequeueOpensAt && prequeueOpensAt.getTime() > body.opensAt.getTime())
      throw presaleErrors.prequeueAfterOpening();
    const others = await repo.lockEventWindows(tx, eventId);
    const clash = others.find(
      (o) =>
        o.id !== windowId &&
        o.opensAt.getTime() < body.closesAt.getTime() &&
        body.opensAt.getTime() < o.closesAt.getTime(),
    );
    if (clash) throw presaleErrors.overlap(clash.name);
    return { mode, opensAt: body.opensAt, closesAt: body.closesAt, prequeueOpensAt };
  }

  private async tellRoom(windowId: string): Promise<void> {
    await this.deps
      .changed?.(windowId)
      .catch((err: unknown) =>
        this.deps.logger.warn({ err, windowId }, 'waiting room not told of a presale window change'),
      );
  }

  // ---- organizers: codes ----

  private async codeWindow(principal: Principal, windowId: string): Promise<WindowRow> {
    const window = await this.managedWindow(principal, windowId);
    if (window.gate !== 'code') throw presaleErrors.wrongGate(window.gate);
    return window;
  }

  /** N new codes, shown this once: only their keyed hashes are kept. */
  async generateCodes(
    principal: Principal,
    windowId: string,
    input: { count: number; maxUses: number },
  ): Promise<z.input<typeof generatedCodes>> {
    await this.codeWindow(principal, windowId);
    const codes = new Set<string>();
    while (codes.size < input.count) codes.add(generateCode());
    const list = [...codes];
    await this.db.transaction((tx) =>
      repo.insertCodes(
        tx,
        list.map((c) => {
          const n = normalizeCode(c);
          return {
            windowId,
            codeHash: this.hasher.hash(n),
            hint: hintOf(n),
            maxUses: input.maxUses,
            source: 'generated',
          };
        }),
      ),
    );
    return { windowId, codes: list, maxUses: input.maxUses };
  }

  /** Codes from a CSV file, all or nothing: every bad row is named by its line, and then nothing is kept. */
  async importCodes(
    principal: Principal,
    windowId: string,
    csv: string,
  ): Promise<{ windowId: string; imported: number }> {
    await this.codeWindow(principal, windowId);
    const { rows, bad } = parseCodesCsv(csv);
    if (bad.length > 0) throw presaleErrors.csvInvalid(bad.slice(0, 100));
    const hashed = rows.map((r) => ({ ...r, codeHash: this.hasher.hash(r.code) }));
    const imported = await this.db.transaction(async (tx) => {
      await repo.lockWindow(tx, windowId);
      const taken = await repo.existingHashes(
        tx,
        windowId,
        hashed.map((r) => r.codeHash),
      );
      if (taken.size > 0)
        throw presaleErrors.codesTaken(hashed.filter((r) => taken.has(r.codeHash)).map((r) => r.line));
      return repo.insertCodes(
        tx,
        hashed.map((r) => ({
          windowId,
          codeHash: r.codeHash,
          hint: hintOf(r.code),
          maxUses: r.maxUses,
          source: 'imported' as const,
        })),
      );
    });
    return { windowId, imported };
  }

  async revokeCode(principal: Principal, windowId: string, codeId: string) {
    await this.codeWindow(principal, windowId);
    const row = await repo.revokeCode(this.db, windowId, codeId);
    if (!row) throw presaleErrors.codeNotFound();
    return presentCode(row);
  }

  async listCodes(principal: Principal, windowId: string): Promise<z.input<typeof codeList>> {
    await this.codeWindow(principal, windowId);
    return { windowId, codes: (await repo.listCodes(this.db, windowId)).map(presentCode) };
  }

  async redemptions(principal: Principal, windowId: string): Promise<z.input<typeof redemptionList>> {
    const window = await this.managedWindow(principal, windowId);
    const rows = await repo.listRedemptions(this.db, window);
    return { windowId, redemptions: rows.map((r) => ({ ...r, redeemedAt: r.redeemedAt.toISOString() })) };
  }

  // ---- organizers: allow-list ----

  async setAllowlist(
    principal: Principal,
    windowId: string,
    entries: string[],
  ): Promise<z.input<typeof allowlistView>> {
    const window = await this.managedWindow(principal, windowId);
    if (window.gate !== 'allowlist') throw presaleErrors.wrongGate(window.gate);
    const bad: { index: number; message: string }[] = [];
    const ids = entries.filter((e) => UUID.test(e)).map((e) => e.toLowerCase());
    const known = await repo.existingAccounts(this.db, ids);
    const seen = new Set<string>();
    const rows: { userId: string | null; email: string | null }[] = [];
    entries.forEach((raw, index) => {
      const entry = raw.toLowerCase();
      if (seen.has(entry)) return;
      seen.add(entry);
      if (UUID.test(entry)) {
        if (!known.has(entry)) bad.push({ index, message: 'no account has this id' });
        else rows.push({ userId: entry, email: null });
      } else if (EMAIL.test(entry)) rows.push({ userId: null, email: entry });
      else bad.push({ index, message: 'neither an email address nor an account id' });
    });
    if (bad.length > 0) throw presaleErrors.allowlistInvalid(bad.slice(0, 100));
    await this.db.transaction(async (tx) => {
      await repo.lockWindow(tx, windowId);
      await repo.replaceAllowlist(tx, windowId, rows);
    });
    return { windowId, entries: await repo.listAllowlist(this.db, windowId) };
  }

  async allowlist(principal: Principal, windowId: string): Promise<z.input<typeof allowlistView>> {
    await this.managedWindow(principal, windowId);
    return { windowId, entries: await repo.listAllowlist(this.db, windowId) };
  }

  // ---- the hold path ----

  /**
   * Which waiting room issued the purchase tokens that buy this event's seats now: a queue-mode
   * presale window open now, else the event's own room. Asked only for holds that carry a token.
   */
  async roomFor(eventId: string): Promise<string> {
    const window = await repo.openWindowNow(this.db, eventId);
    return window && window.mode === 'queue' ? window.id : eventId;
  }
}

function presentCode(row: repo.CodeRow) {
  return {
    id: row.id,
    hint: row.hint,
    maxUses: row.maxUses,
    uses: row.uses,
    source: row.source,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
