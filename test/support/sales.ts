import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { insertBulkAccounts, type BulkAccount } from '../../src/auth/bulk-accounts.js';
import { hashPassword } from '../../src/auth/password.js';
import type { Principal } from '../../src/auth/principal.js';
import type { Config } from '../../src/config.js';
import type { Db } from '../../src/db/types.js';
import { holds } from '../../src/sales/holds.table.js';
import { gaInventory, seats } from '../../src/sales/inventory.table.js';
import type { OnsaleInput } from '../../src/sales/onsale.schemas.js';
import type { Role } from '../../src/shared/vocabulary.js';
import { TEST_POSTGRES, testConfig, type TestEnv } from './env.js';

/** Sale fixtures built through the services (fast), so HTTP tests spend their time on what they test. */

export function principalOf(userId: string, roles: Role[] = ['fan']): Principal {
  return {
    userId,
    sessionId: randomUUID(),
    email: `${userId}@example.test`,
    displayName: 'Test',
    roles,
    emailVerified: true,
  };
}

/** Every bulk account's password: they can sign in like a registered fan. */
export const BULK_PASSWORD = 'bulk account passphrase';
/** The settings a test server starts from (session lifetime, scrypt cost), unless its test overrides them. */
const testDefaults = testConfig(TEST_POSTGRES, 'fdt:');
const bulkPasswordHashes = new Map<number, Promise<string>>();

/**
 * Many accounts with sessions, inserted directly as registration writes them: the race tests
 * need hundreds. Their addresses are confirmed unless `verified: false`: a crowd stands for fans
 * who followed their verification link, which a queue-mode waiting room asks for by default.
 */
export async function bulkAccounts(
  db: Db,
  count: number,
  roles: Role[] = ['fan'],
  config: Pick<Config, 'SESSION_TTL_HOURS' | 'PASSWORD_SCRYPT_LOG_N'> = testDefaults,
  { verified = true }: { verified?: boolean } = {},
): Promise<BulkAccount[]> {
  const logN = config.PASSWORD_SCRYPT_LOG_N;
  if (!bulkPasswordHashes.has(logN)) bulkPasswordHashes.set(logN, hashPassword(BULK_PASSWORD, logN));
  const accounts = Array.from({ length: count }, (_, i) => ({
    email: `bulk.${randomUUID()}.${i}@example.test`,
    displayName: `Buyer ${i}`,
  }));
  return insertBulkAccounts(db, config, {
    accounts,
    passwordHash: await bulkPasswordHashes.get(logN)!,
    roles,
    verified,
  });
}

export interface SaleSetup {
  eventId: string;
  venueId: string;
  reservedTierId: string;
  gaTierId: string;
  seatIds: string[];
}

export interface SaleOptions {
  /** Compact layout for the reserved tier. */
  layout?: string;
  gaCapacity?: number;
  onsale?: Partial<OnsaleInput>;
  eventLimit?: number | null;
  status?: 'draft' | 'scheduled';
}

const hour = 3600_000;

export async function createSale(env: TestEnv, organizerId: string, options: SaleOptions = {}): Promise<SaleSetup> {
  const { catalog, onsale } = env.server.app.services;
  const organizer = principalOf(organizerId, ['organizer']);
  const venue = await catalog.createVenue(organizer, {
    name: 'Test Hall',
    address: '1 Test Street',
    city: 'Lyon',
    country: 'FR',
    latitude: 45.76,
    longitude: 4.83,
    timeZone: 'Europe/Paris',
    accessibility: ['wheelchair'],
    transit: { stops: [{ name: 'Bellecour', lines: ['A', 'D'], walkingMinutes: 4 }], parking: null },
  });
  const event = await catalog.createEvent(organizer, {
    venueId: venue.id,
    title: 'Test Night',
    description: '',
    categories: ['rock'],
    performers: [],
    startsAt: new Date(Date.now() + 30 * 24 * hour),
    doorsAt: null,
    endsAt: null,
    status: options.status ?? 'scheduled',
    policies: { perAccountLimit: options.eventLimit ?? null },
  });
  const reserved = await catalog.createTier(organizer, event.id, {
    name: 'Stalls',
    kind: 'reserved',
    priceCents: 5000,
    feeCents: 450,
    currency: 'EUR',
    sortOrder: 0,
  });
  const ga = await catalog.createTier(organizer, event.id, {
    name: 'Standing',
    kind: 'ga',
    priceCents: 3000,
    feeCents: 300,
    currency: 'EUR',
    sortOrder: 1,
    capacity: options.gaCapacity ?? 50,
  });
  await catalog.addSeats(organizer, event.id, {
    blocks: [{ tierId: reserved.id, layout: options.layout ?? 'section A rows 1-5 seats 1-10' }],
  });
  await onsale.put(organizer, event.id, {
    mode: 'open',
    prequeueOpensAt: null,
    saleStartsAt: new Date(Date.now() - hour),
    saleEndsAt: null,
    purchaseTokenTtlSeconds: 600,
    holdTtlSeconds: 480,
    perAccountLimit: null,
    powDifficulty: 0,
    state: 'scheduled',
    ...options.onsale,
  });
  const seatRows = await env.infra.database.db
    .select({ id: seats.id })
    .from(seats)
    .where(eq(seats.eventId, event.id))
    .orderBy(seats.section, seats.rowIndex, seats.number);
  return {
    eventId: event.id,
    venueId: venue.id,
    reservedTierId: reserved.id,
    gaTierId: ga.id,
    seatIds: seatRows.map((r) => r.id),
  };
}

/** The inventory and hold state of an event, for "the database did not change" assertions. */
export async function inventoryState(db: Db, eventId: string) {
  const seatRows = await db
    .select({ id: seats.id, status: seats.status, holdId: seats.holdId })
    .from(seats)
    .where(eq(seats.eventId, eventId))
    .orderBy(seats.id);
  const ga = await db.select().from(gaInventory).where(eq(gaInventory.eventId, eventId));
  const holdRows = await db
    .select({ id: holds.id, status: holds.status })
    .from(holds)
    .where(eq(holds.eventId, eventId))
    .orderBy(holds.id);
  const [timeline] = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from timeline_entries where event_id = ${eventId}`,
  );
  return { seats: seatRows, ga, holds: holdRows, receipts: timeline?.n ?? 0 };
}

export const idemKey = () => `test-${randomUUID()}`;
