import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { onsaleAudit, onsaleSettings } from './onsale.table.js';

export type OnsaleRow = typeof onsaleSettings.$inferSelect;
type OnsaleValues = Omit<typeof onsaleSettings.$inferInsert, 'createdAt' | 'updatedAt'>;

export async function findOnsale(db: Db, eventId: string): Promise<OnsaleRow | undefined> {
  const [row] = await db.select().from(onsaleSettings).where(eq(onsaleSettings.eventId, eventId));
  return row;
}

export async function upsertOnsale(db: Db, values: OnsaleValues): Promise<OnsaleRow> {
  const { eventId: _e, ...changes } = values;
  const [row] = await db
    .insert(onsaleSettings)
    .values(values)
    .onConflictDoUpdate({ target: onsaleSettings.eventId, set: { ...changes, updatedAt: sql`now()` } })
    .returning();
  return row!;
}

export async function insertAudit(db: Db, values: typeof onsaleAudit.$inferInsert): Promise<void> {
  await db.insert(onsaleAudit).values(values);
}

export async function listAudit(db: Db, eventId: string) {
  return db.select().from(onsaleAudit).where(eq(onsaleAudit.eventId, eventId)).orderBy(asc(onsaleAudit.id));
}
