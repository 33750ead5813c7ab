import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { eventTicketSettings } from './ticket-settings.table.js';

export interface TicketSettings {
  printedCodesAllowed: boolean;
  keyGeneration: number;
  checkinOpensAt: Date | null;
  resaleEnabled: boolean;
  resaleCapPercent: number;
}

const DEFAULTS: TicketSettings = {
  printedCodesAllowed: false,
  keyGeneration: 1,
  checkinOpensAt: null,
  resaleEnabled: true,
  resaleCapPercent: 100,
};

const settingsColumns = {
  printedCodesAllowed: eventTicketSettings.printedCodesAllowed,
  keyGeneration: eventTicketSettings.keyGeneration,
  checkinOpensAt: eventTicketSettings.checkinOpensAt,
  resaleEnabled: eventTicketSettings.resaleEnabled,
  resaleCapPercent: eventTicketSettings.resaleCapPercent,
};

export async function ticketSettings(db: Db, eventId: string): Promise<TicketSettings> {
  const [row] = await db
    .select(settingsColumns)
    .from(eventTicketSettings)
    .where(eq(eventTicketSettings.eventId, eventId));
  return row ?? DEFAULTS;
}

/** Upserts the settings; `rotateKeys` bumps the key generation (every code issued so far dies). */
export async function saveTicketSettings(
  db: Db,
  eventId: string,
  patch: {
    printedCodesAllowed?: boolean | undefined;
    checkinOpensAt?: Date | null | undefined;
    rotateKeys?: boolean | undefined;
    resaleEnabled?: boolean | undefined;
    resaleCapPercent?: number | undefined;
  },
): Promise<TicketSettings> {
  const set = {
    ...(patch.resaleEnabled !== undefined ? { resaleEnabled: patch.resaleEnabled } : {}),
    ...(patch.resaleCapPercent !== undefined ? { resaleCapPercent: patch.resaleCapPercent } : {}),
    ...(patch.printedCodesAllowed !== undefined ? { printedCodesAllowed: patch.printedCodesAllowed } : {}),
    ...(patch.checkinOpensAt !== undefined ? { checkinOpensAt: patch.checkinOpensAt } : {}),
    ...(patch.rotateKeys ? { keyGeneration: sql`${eventTicketSettings.keyGeneration} + 1` } : {}),
    updatedAt: sql`now()`,
  };
  const [row] = await db
    .insert(eventTicketSettings)
    .values({
      eventId,
      printedCodesAllowed: patch.printedCodesAllowed ?? DEFAULTS.printedCodesAllowed,
      checkinOpensAt: patch.checkinOpensAt ?? null,
      keyGeneration: patch.rotateKeys ? 2 : 1,
      resaleEnabled: patch.resaleEnabled ?? DEFAULTS.resaleEnabled,
      resaleCapPercent: patch.resaleCapPercent ?? DEFAULTS.resaleCapPercent,
    })
    .onConflictDoUpdate({ target: eventTicketSettings.eventId, set })
    .returning(settingsColumns);
  return row!;
}
