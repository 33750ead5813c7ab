/** What bench:queue and bench/join-cpu.ts set up alike: a queue-mode event, signed-in fans, the API nodes' environment. */
import { randomUUID } from 'node:crypto';
import { type connectDatabase, schema } from '../../src/db/index.js';
import { insertBulkAccounts, type Principal, type SessionCache } from '../../src/auth/index.js';
import { CatalogService } from '../../src/catalog/index.js';
import { OnsaleService } from '../../src/sales/index.js';

const { users } = schema;

/** The environment of an API node under bench: its own database and Redis prefix, quiet, no workers. */
export function apiNodeEnv(o: {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  signingKey: string;
}): Record<string, string> {
  return {
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: o.redisUrl,
    REDIS_PREFIX: o.prefix,
    SIGNING_KEY: o.signingKey,
    NODE_ENV: 'development',
    RUN_WORKERS: 'false',
    SEED_DEMO: 'false',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: `/tmp/${o.prefix.replaceAll(':', '_')}`,
    // The load comes from one address and a few accounts' worth of retries: the limits would measure themselves.
    QUEUE_JOIN_LIMIT_PER_IP: '1000000',
    QUEUE_JOIN_LIMIT_PER_ACCOUNT: '10000',
  };
}

/** An event whose queue-mode pre-queue is open now (the sale an hour away), made through the services. */
export async function createQueueEvent(db: ReturnType<typeof connectDatabase>['db']): Promise<string> {
  const [org] = await db
    .insert(users)
    .values({
      email: `bench.${randomUUID()}@example.test`,
      passwordHash: 'x',
      displayName: 'Bench organizer',
      roles: ['organizer'],
    })
    .returning({ id: users.id });
  const organizer: Principal = {
    userId: org!.id,
    sessionId: randomUUID(),
    email: 'bench@example.test',
    displayName: 'Bench',
    roles: ['organizer'],
    emailVerified: true,
  };
  const catalog = new CatalogService(db);
  const venue = await catalog.createVenue(organizer, {
    name: 'Bench Arena',
    address: '1 Bench Road',
    city: 'Lyon',
    country: 'FR',
    latitude: 45.76,
    longitude: 4.83,
    timeZone: 'Europe/Paris',
    accessibility: [],
    transit: { stops: [], parking: null },
  });
  const event = await catalog.createEvent(organizer, {
    venueId: venue.id,
    title: 'Bench Drop',
    description: '',
    categories: ['rock'],
    performers: [],
    startsAt: new Date(Date.now() + 30 * 86_400_000),
    doorsAt: null,
    endsAt: null,
    status: 'scheduled',
    policies: { perAccountLimit: null },
  });
  await catalog.createTier(organizer, event.id, {
    name: 'Floor',
    kind: 'ga',
    priceCents: 5000,
    feeCents: 500,
    currency: 'EUR',
    sortOrder: 0,
    capacity: 1_000_000,
  });
  await new OnsaleService(db).put(organizer, event.id, {
    mode: 'queue',
    prequeueOpensAt: new Date(Date.now() - 60_000),
    saleStartsAt: new Date(Date.now() + 3_600_000),
    saleEndsAt: null,
    admitPerMinute: 1_000,
    purchaseTokenTtlSeconds: 600,
    holdTtlSeconds: 480,
    perAccountLimit: null,
    powDifficulty: 0,
    state: 'scheduled',
  });
  return event.id;
}

/**
 * Accounts with live sessions, written directly by the shared bulk seeder: the bench measures
 * joins and sockets, not sign-ups. Each session is left as a sign-in leaves it: in Postgres and
 * in the session cache. No account signs in with a password here, so none needs a real hash.
 * Each address is confirmed, as the queue-mode on-sale asks of every joiner by default.
 */
export async function bulkSessions(
  db: ReturnType<typeof connectDatabase>['db'],
  cache: SessionCache,
  count: number,
): Promise<string[]> {
  const run = randomUUID();
  const accounts = Array.from({ length: count }, (_, i) => ({
    email: `fan.${i}.${run}@example.test`,
    displayName: `Fan ${i}`,
  }));
  const created = await insertBulkAccounts(
    db,
    { SESSION_TTL_HOURS: 24 },
    { accounts, passwordHash: 'x', sessionCache: cache, verified: true },
  );
  return created.map((a) => a.token);
}
