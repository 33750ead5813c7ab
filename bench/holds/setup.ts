/**
 * What `bench:holds` needs before measuring: its own database and Redis prefix, the API
 * (startServer, as a node runs it, on a pool built like connectDatabase's plus a statement
 * log), one event on open sale, its tiers, and the buyers. Rows the product would have
 * (organizer, venue, event, tiers, seats) are written here; tickets only ever by the paths
 * being measured.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { connectRedis, deleteKeysUnder, type Infra } from '../../src/infra/index.js';
import { type Database, runMigrations, schema } from '../../src/db/index.js';
import { CatalogService } from '../../src/catalog/index.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createBroadcaster } from '../../src/realtime/index.js';
import { startServer } from '../../src/server.js';
import { generateSigner } from '../../src/shared/index.js';
import { poster } from '../support.js';
import { StatementLog } from './statements.js';

const { events, onsaleSettings, priceTiers, seats, users, venues } = schema;

export const PRICE = { priceCents: 5000, feeCents: 500, currency: 'EUR' };

/** A fresh database on the server of `adminUrl`, migrated; `drop` removes it. */
export async function benchDatabase(adminUrl: string) {
  const name = `fd_bench_${randomBytes(5).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  // Time per PL/pgSQL function for --functions; a role that may not set it leaves it off.
  await admin.unsafe(`alter database ${name} set track_functions = 'pl'`).catch(() => undefined);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await runMigrations(url.toString());
  return {
    name,
    url: url.toString(),
    /** One connection to the server, for the lock sampler between setup and teardown. */
    admin,
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/**
 * A pool of `max` connections on `url` named `applicationName` (what the lock sampler looks
 * for), whose statements `log` counts.
 */
export function countedPool(url: string, max: number, applicationName: string, log: StatementLog) {
  return postgres(url, {
    max,
    onnotice: () => {},
    connection: { application_name: applicationName },
    debug: log.debug,
  });
}

/** The API as a node runs it, in this process, on its own pool of `pool` connections. */
export async function startApi(dbUrl: string, redisUrl: string, pool: number) {
  const prefix = `fdbench:holds:${randomBytes(4).toString('hex')}:`;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: dbUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    PASSWORD_SCRYPT_LOG_N: '10',
    AUTH_LIMIT_PER_IP: '100000',
    REQUEST_TIMEOUT_MS: '60000',
  });
  const statements = new StatementLog();
  const sql = countedPool(dbUrl, pool, 'fairdrop', statements);
  const database: Database = { db: drizzle(sql, { schema }), sql, close: () => sql.end({ timeout: 5 }) };
  const redis = connectRedis(redisUrl);
  const logger = createLogger(config);
  const infra: Infra = {
    config,
    logger,
    database,
    redis,
    signer: generateSigner(),
    broadcaster: createBroadcaster(redis as unknown as Redis, config, logger),
  };
  const server = await startServer(infra);
  return {
    prefix,
    database,
    statements,
    call: poster(`http://127.0.0.1:${server.port}`),
    close: async () => {
      await server.close();
      await database.close();
      await redis.quit();
      await deleteKeysUnder(redisUrl, prefix);
    },
  };
}

/** One organizer, venue and event on open sale now; tiers are added with `reservedTier` / `gaTier`. */
export async function benchEvent(database: Database, prefix: string) {
  const db = database.db;
  const [organizer] = await db
    .insert(users)
    .values({ email: `bench-${prefix}@example.test`, passwordHash: 'x', displayName: 'Bench', roles: ['organizer'] })
    .returning();
  const [venue] = await db
    .insert(venues)
    .values({
      ownerId: organizer!.id,
      name: 'Bench Hall',
      address: '1 Bench St',
      city: 'Paris',
      country: 'FR',
      latitude: 48.8,
      longitude: 2.3,
      timeZone: 'Europe/Paris',
    })
    .returning();
  const [event] = await db
    .insert(events)
    .values({
      organizerId: organizer!.id,
      venueId: venue!.id,
      title: 'Bench night',
      startsAt: new Date(Date.now() + 30 * 86_400_000),
      status: 'on_sale',
    })
    .returning();
  await db
    .insert(onsaleSettings)
    .values({ eventId: event!.id, mode: 'open', saleStartsAt: new Date(Date.now() - 60_000) });
  const organizerId = organizer!.id;
  const eventId = event!.id;
  return {
    organizerId,
    eventId,
    /** A reserved tier of `count` seats, 50 to a row. */
    async reservedTier(name: string, count: number) {
      const [row] = await db
        .insert(priceTiers)
        .values({ eventId, name, kind: 'reserved', ...PRICE })
        .returning();
      const ids = await db
        .insert(seats)
        .values(
          Array.from({ length: count }, (_, i) => ({
            eventId,
            tierId: row!.id,
            section: name,
            row: String(Math.floor(i / 50) + 1),
            rowIndex: Math.floor(i / 50) + 1,
            number: (i % 50) + 1,
          })),
        )
        .returning({ id: seats.id });
      return { id: row!.id, seatIds: ids.map((s) => s.id) };
    },
    /**
     * A GA tier made the way an organizer makes one (CatalogService.createTier), so the
     * counter is laid out however the product lays it out (one row today).
     */
    async gaTier(name: string, capacity: number) {
      const organizer = {
        userId: organizerId,
        sessionId: 'bench',
        email: `bench-${prefix}@example.test`,
        displayName: 'Bench',
        roles: ['organizer' as const],
        emailVerified: true,
      };
      const tier = await new CatalogService(db).createTier(organizer, eventId, {
        name,
        kind: 'ga',
        ...PRICE,
        sortOrder: 0,
        capacity,
      });
      return { id: tier.id };
    },
  };
}

/** `count` fans signed up through the API, 20 at a time: their session tokens and account ids. */
export async function registerFans(call: ReturnType<typeof poster>, count: number, prefix: string) {
  const fans: { token: string; userId: string }[] = [];
  for (let i = 0; i < count; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, count - i) }, (_, j) =>
        call('/v1/auth/register', {
          email: `fan${i + j}.${prefix.replace(/:/g, '')}@example.test`,
          password: 'bench passphrase',
          displayName: 'Fan',
        }),
      ),
    );
    fans.push(...batch.map((b) => ({ token: b.token as string, userId: (b.user as { id: string }).id })));
  }
  return fans;
}
