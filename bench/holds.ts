/**
 * The purchase path (hold + order) through the HTTP API against a bare HTTP purchase, for a
 * reserved seat and for a general-admission tier, on the same Postgres, driver and pool size,
 * with the same buyers and the same load generator (issue #15).
 *
 *   npm run bench:holds [-- --buyers 100 --rounds 5 --pool 10]
 *                       [--only reserved,holdOnly,update,bare,ga,gaBare] [--trace] [--functions]
 *
 * Paths (--only picks some; all by default):
 *   reserved  POST /v1/holds { seats: [id] } + POST /v1/orders (sandbox card) through the API
 *   holdOnly  POST /v1/holds alone, to show what the order adds
 *   update    the conditional seat UPDATE alone through `postgres`, no HTTP (a comparison
 *             without a target)
 *   bare      the bare HTTP purchase of a reserved seat (bench/holds/bare-app.ts)
 *   ga        POST /v1/holds { quantity: 1 } + POST /v1/orders on a GA tier through the API
 *   gaBare    the bare HTTP purchase of one GA place
 * --trace     before measuring, one purchase through the API (reserved, and GA when measured)
 *             with every statement of its hold and its order printed, numbered
 * --functions after each API path, the time per purchase inside each PL/pgSQL function of the
 *             purchase path (pg_stat_user_functions): where Postgres's share of it goes
 *
 * Fair by construction: every pool has --pool connections (the API process's default) on the
 * same database; the API server and the bare app both listen on 127.0.0.1 in this process,
 * beside the load generator, so they share its CPU alike; every path runs the same buyers
 * (`buyers` loops of `rounds` purchases) through the same `measure()` after concurrent warm-up
 * purchases, each on its own tier, one seat or place per purchase, each buyer its own seats
 * (no contention between buyers for reserved seats; a GA tier's buyers all share its
 * counter, which is the point of measuring it). Statements are counted on each pool with
 * postgres.js `debug`; lock waits are sampled from pg_stat_activity. Uses its own database
 * and Redis prefix and drops them afterwards. Ends with one line of JSON.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { schema } from '../src/db/index.js';
import { startBareApp } from './holds/bare-app.js';
import { cpuMeter, functionTimer, lockSampler, measurer } from './holds/measure.js';
import { printFunctions, printReport, resultLine, type Measured, type Path } from './holds/report.js';
import { benchDatabase, benchEvent, countedPool, PRICE, registerFans, startApi } from './holds/setup.js';
import { StatementLog, traceLines } from './holds/statements.js';
import { poster } from './support.js';

const { holds } = schema;

const PARTS = ['reserved', 'holdOnly', 'update', 'bare', 'ga', 'gaBare'] as const;
type Part = (typeof PARTS)[number];

const { values } = parseArgs({
  options: {
    buyers: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '5' },
    pool: { type: 'string', default: '10' },
    only: { type: 'string' },
    trace: { type: 'boolean', default: false },
    functions: { type: 'boolean', default: false },
    postgres: {
      type: 'string',
      default:
        process.env.BENCH_POSTGRES_URL ??
        process.env.TEST_POSTGRES_URL ??
        'postgres://postgres@127.0.0.1:5432/postgres',
    },
    redis: {
      type: 'string',
      default: process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    },
  },
});
const buyers = Number(values.buyers);
const rounds = Number(values.rounds);
const pool = Number(values.pool);
const wanted = values.only?.split(',').map((s) => s.trim()) ?? [...PARTS];
const unknown = wanted.filter((p) => !(PARTS as readonly string[]).includes(p));
if (unknown.length) throw new Error(`--only: unknown ${unknown.join(', ')} (there are: ${PARTS.join(', ')})`);
const parts = new Set(wanted as Part[]);
const CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2034, cvc: '123' };
/**
 * Warm-up purchases per path, made in waves of `buyers` at once: at least two per connection, so
 * every one opens, and three rounds of every buyer, so the path's code is compiled (JIT) and its
 * statements prepared before it is timed.
 */
const WARM_UP = Math.max(20, 2 * pool, 3 * buyers);
/** Seats (or GA places) per tier: one per measured purchase, the warm-ups, the traced purchases. */
const perTier = buyers * rounds + WARM_UP + 10;
const spare = (w: number) => buyers * rounds + w;

const database = await benchDatabase(values.postgres);
const closers: (() => Promise<void>)[] = [];

try {
  const api = await startApi(database.url, values.redis, pool);
  closers.push(api.close);
  const event = await benchEvent(api.database, api.prefix);
  const fans = await registerFans(api.call, buyers, api.prefix);
  const measure = measurer(buyers, rounds);
  // One connection of its own reads the function counts (opened once, for --functions only).
  let functionsConnection: ReturnType<typeof postgres> | null = null;
  const functionsSql = () => {
    if (!functionsConnection) {
      functionsConnection = postgres(database.url, { max: 1, onnotice: () => {} });
      const opened = functionsConnection;
      closers.push(() => opened.end({ timeout: 5 }));
    }
    return functionsConnection;
  };

  /** `op` measured with its pool's statements counted and its lock waits sampled, after warm-ups. */
  const measurePath = async (
    applicationName: string,
    log: StatementLog,
    op: (buyer: number, round: number) => Promise<void>,
    warmUp: (w: number) => Promise<void>,
  ): Promise<Path> => {
    // JIT and prepared statements; in concurrent waves, so every connection of the pool is
    // open before counting (a new connection's own statements would count against the path).
    const waveSize = Math.max(buyers, 2 * pool);
    for (let wave = 0; wave < WARM_UP; wave += waveSize) {
      await Promise.all(Array.from({ length: Math.min(waveSize, WARM_UP - wave) }, (_, i) => warmUp(wave + i)));
    }
    const stop = lockSampler(database.admin, database.name, applicationName);
    const cpu = await cpuMeter(database.admin, database.name, applicationName);
    const functions = values.functions && applicationName === 'fairdrop' ? await functionTimer(functionsSql()) : null;
    try {
      const { result, perOp } = await log.perOp(buyers * rounds, () => measure(op));
      return {
        ...result,
        statementsPerOp: perOp,
        locks: stop(),
        cpu: await cpu(result.ops),
        functions: functions ? await functions(result.ops) : undefined,
      };
    } finally {
      stop();
    }
  };

  const apiHold = (token: string, body: Record<string, unknown>) =>
    api.call('/v1/holds', { eventId: event.eventId, ...body }, token);
  const apiPurchase = async (token: string, body: Record<string, unknown>) => {
    const hold = await apiHold(token, body);
    await api.call('/v1/orders', { holdId: hold.id, payment: { card: CARD } }, token);
  };
  const reservedTier = parts.has('reserved') || values.trace ? await event.reservedTier('API', perTier) : null;
  const gaTier = parts.has('ga') ? await event.gaTier('GA API', perTier) : null;

  if (values.trace) {
    // One purchase untraced first, so caches and prepared statements are as a warm node has
    // them; 300 ms after the order's answer, so whatever the request left running still shows.
    const traceOne = async (title: string, body: Record<string, unknown>, warmBody: Record<string, unknown>) => {
      const fan = fans[0]!;
      await apiPurchase(fan.token, warmBody);
      let holdId = '';
      const hold = await api.statements.trace(async () => {
        holdId = (await apiHold(fan.token, body)).id as string;
      });
      const order = await api.statements.trace(async () => {
        await api.call('/v1/orders', { holdId, payment: { card: CARD } }, fan.token);
        await new Promise((r) => setTimeout(r, 300));
      });
      console.log(`\n${traceLines(`${title}: POST /v1/holds`, hold)}`);
      console.log(`${traceLines(`${title}: POST /v1/orders (and 300 ms after its answer)`, order)}`);
    };
    const seat = (w: number) => ({ tierId: reservedTier!.id, seats: [reservedTier!.seatIds[spare(w)]!] });
    await traceOne('reserved seat', seat(WARM_UP), seat(WARM_UP + 1));
    if (gaTier) await traceOne('GA place', { tierId: gaTier.id, quantity: 1 }, { tierId: gaTier.id, quantity: 1 });
  }

  const measured: Measured = { buyers, rounds, pool, parts: PARTS.filter((p) => parts.has(p)) };

  if (reservedTier && parts.has('reserved')) {
    const seat = (i: number) => reservedTier.seatIds[i]!;
    measured.api = await measurePath(
      'fairdrop',
      api.statements,
      (b, r) => apiPurchase(fans[b]!.token, { tierId: reservedTier.id, seats: [seat(b * rounds + r)] }),
      (w) => apiPurchase(fans[w % buyers]!.token, { tierId: reservedTier.id, seats: [seat(spare(w))] }),
    );
  }

  if (parts.has('holdOnly')) {
    const tier = await event.reservedTier('Holds', perTier);
    const hold = (token: string, i: number) =>
      apiHold(token, { tierId: tier.id, seats: [tier.seatIds[i]!] }).then(() => undefined);
    measured.holdOnly = await measurePath(
      'fairdrop',
      api.statements,
      (b, r) => hold(fans[b]!.token, b * rounds + r),
      (w) => hold(fans[w % buyers]!.token, spare(w)),
    );
  }

  if (parts.has('update')) {
    const tier = await event.reservedTier('Baseline', perTier);
    const log = new StatementLog();
    const sql = countedPool(database.url, pool, 'fairdrop-update', log);
    closers.push(() => sql.end({ timeout: 5 }));
    // The seats' hold_id must point at a hold: one per buyer, written beforehand.
    const baseHolds = await api.database.db
      .insert(holds)
      .values(
        Array.from({ length: buyers }, (_, b) => ({
          userId: fans[b]!.userId,
          eventId: event.eventId,
          tierId: tier.id,
          kind: 'seats' as const,
          quantity: 1,
          seatIds: [tier.seatIds[b * rounds]!],
          unitPriceCents: PRICE.priceCents,
          unitFeeCents: PRICE.feeCents,
          currency: PRICE.currency,
          expiresAt: new Date(Date.now() + 3_600_000),
          idempotencyKey: randomUUID(),
        })),
      )
      .returning({ id: holds.id });
    const update = async (holdId: string, seatId: string) => {
      const rows = await sql`update seats set status = 'held', hold_id = ${holdId}, updated_at = now()
                             where id in (${seatId}) and status = 'available'
                             returning id, section, row, number, accessible`;
      if (rows.length !== 1) throw new Error('baseline update missed its seat');
    };
    measured.update = await measurePath(
      'fairdrop-update',
      log,
      (b, r) => update(baseHolds[b]!.id, tier.seatIds[b * rounds + r]!),
      (w) => update(baseHolds[0]!.id, tier.seatIds[spare(w)]!),
    );
  }

  // The bare app and its pool, started for the first bare path that runs.
  let barePurchase: ((path: '' | '/ga', userId: string, body: Record<string, unknown>) => Promise<void>) | null = null;
  const bareLog = new StatementLog();
  const bare = async () => {
    if (!barePurchase) {
      const sql = countedPool(database.url, pool, 'fairdrop-bare', bareLog);
      closers.push(() => sql.end({ timeout: 5 }));
      const app = await startBareApp(sql);
      closers.push(app.close);
      const call = poster(app.base);
      barePurchase = async (path, userId, body) => {
        const hold = await call(`${path}/hold`, { userId, ...body });
        await call(`${path}/order`, { userId, holdId: hold.id });
      };
    }
    return barePurchase;
  };

  if (parts.has('bare')) {
    const tier = await event.reservedTier('Bare HTTP', perTier);
    const purchase = await bare();
    const buy = (userId: string, i: number) => purchase('', userId, { tierId: tier.id, seats: [tier.seatIds[i]!] });
    measured.bareHttp = await measurePath(
      'fairdrop-bare',
      bareLog,
      (b, r) => buy(fans[b]!.userId, b * rounds + r),
      (w) => buy(fans[w % buyers]!.userId, spare(w)),
    );
  }

  if (gaTier) {
    const buy = (token: string) => apiPurchase(token, { tierId: gaTier.id, quantity: 1 });
    measured.ga = await measurePath(
      'fairdrop',
      api.statements,
      (b) => buy(fans[b]!.token),
      (w) => buy(fans[w % buyers]!.token),
    );
  }

  if (parts.has('gaBare')) {
    const tier = await event.gaTier('GA bare HTTP', perTier);
    const purchase = await bare();
    const buy = (userId: string) => purchase('/ga', userId, { tierId: tier.id, quantity: 1 });
    measured.gaBareHttp = await measurePath(
      'fairdrop-bare',
      bareLog,
      (b) => buy(fans[b]!.userId),
      (w) => buy(fans[w % buyers]!.userId),
    );
  }

  const result = resultLine(measured);
  printReport(measured, result);
  if (values.functions) printFunctions(measured);
  console.log(JSON.stringify(result));
} finally {
  for (const close of closers.reverse()) await close();
  await database.drop();
}
