import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../tools/local/processes.js';
import { ApiClient } from '../support/api.js';
import { CARDS } from '../support/commerce.js';
import { createTestDatabase, dropRedisPrefix, TEST_REDIS, type TestDatabase } from '../support/env.js';

/**
 * A fresh production install, as docker-compose.yml runs it: NODE_ENV=production, an API node
 * (src/main.ts, the image's CMD) with RUN_WORKERS=false beside a worker (src/worker.ts), on a
 * database of its own and a Redis prefix of its own, no demo data. The operator's first step
 * is `npm run admin`; from there everything goes through the API until a fan holds a ticket.
 * Cards go to the sandbox processor (SANDBOX_PAYMENTS=true: production refuses it unless told;
 * a real install sets the Stripe keys instead).
 */

let db: TestDatabase;
let dataDir: string;
let api: ApiClient;
let env: NodeJS.ProcessEnv;
const prefix = `fdt:prod-${randomUUID().slice(0, 8)}:`;
const children: { name: string; child: ChildProcess; output: string[] }[] = [];

function startProcess(name: string, entry: string, extra: Record<string, string> = {}) {
  const output: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...env, NODE_ID: name, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  children.push({ name, child, output });
  return { child, output };
}

/** `npm run -s admin -- …args` in the deployment's environment, as `docker compose exec worker` runs it. */
function admin(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const run = execFile(
      'npm',
      ['run', '-s', 'admin', '--', ...args],
      { env, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
    if (stdin !== undefined) run.stdin!.end(stdin);
    else run.stdin!.end();
  });
}

const idem = () => ({ 'idempotency-key': randomUUID() });
const METRICS_TOKEN = 'a-scraper-secret-of-32-characters';
let workerMetricsPort: number;

/** A Prometheus scrape with the operator's token: `name{labels} value` lines. */
async function scrape(url: string): Promise<string> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  return res.text();
}

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), 'fd-prod-'));
  const port = await freePort();
  workerMetricsPort = await freePort();
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS,
    REDIS_PREFIX: prefix,
    SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    SANDBOX_PAYMENTS: 'true',
    METRICS_TOKEN: METRICS_TOKEN,
    LOG_LEVEL: 'warn',
  };
  api = new ApiClient(`http://127.0.0.1:${port}`);
  const node = startProcess('api1', 'src/main.ts', { RUN_WORKERS: 'false' });
  startProcess('worker', 'src/worker.ts', { METRICS_PORT: String(workerMetricsPort), METRICS_HOST: '127.0.0.1' });
  const started = Date.now();
  for (;;) {
    if (node.child.exitCode !== null) throw new Error(`the API exited: ${node.output.join('')}`);
    const ready = await fetch(`${api.baseUrl}/readyz`).catch(() => null);
    if (ready?.status === 200) break;
    if (Date.now() - started > 60_000) throw new Error(`the API is not ready after 60 s: ${node.output.join('')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}, 90_000);

afterAll(async () => {
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => (clearTimeout(timer), resolve()));
        }),
    ),
  );
  await dropRedisPrefix(prefix);
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('a production install (NODE_ENV=production, API node and worker) can sell from nothing', () => {
  it(
    'npm run admin creates the first admin and an organizer; the organizer puts a show on sale; a fan buys a ticket',
    { timeout: 180_000 },
    async () => {
      // Nothing to sign in with: production never loads the demo accounts.
      expect(
        (await api.post('/v1/auth/login', { email: 'admin@fairdrop.local', password: 'fairdrop-demo' })).status,
      ).toBe(401);

      // The first admin, with a password the CLI generates and prints once.
      const created = await admin(['create-admin', '--email', 'Ops@Example.com', '--name', 'Operations']);
      expect(created, created.stderr).toMatchObject({ code: 0 });
      expect(created.stdout).toContain('Created the admin account ops@example.com.');
      expect(created.stdout).toContain(`Sign in at ${api.baseUrl}/account.html`);
      const password = /Password \(shown only now[^)]*\): (\S+)/.exec(created.stdout)?.[1];
      expect(password).toBeDefined();
      const adminSession = await api.post('/v1/auth/login', { email: 'ops@example.com', password });
      expect(adminSession.status).toBe(200);
      expect(adminSession.body.user).toMatchObject({ roles: ['fan', 'admin'], emailVerified: true });
      // Running it again changes nothing and says so.
      const again = await admin(['create-admin', '--email', 'ops@example.com']);
      expect(again).toMatchObject({ code: 0 });
      expect(again.stdout).toContain('ops@example.com is already an admin; nothing changed.');

      // An organizer registers like anyone, then the operator promotes them by address. The
      // session they already hold is judged by the new role at once, on the API node too.
      const organizer = await api.register('promoter@example.com', 'a long promoter password', 'Promoter');
      expect((await api.get('/v1/organizer/events', { token: organizer.token })).status).toBe(403);
      const missing = await admin(['promote', '--email', 'nobody@example.com']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('No account has the address nobody@example.com');
      const promoted = await admin(['promote', '--email', 'promoter@example.com']);
      expect(promoted, promoted.stderr).toMatchObject({ code: 0 });
      expect(promoted.stdout).toBe('promoter@example.com is now an organizer (roles: fan, organizer).\n');
      const listed = await admin(['list']);
      expect(listed.stdout).toMatch(/^1 organizer account\(s\):\n {2}promoter@example\.com {2}Promoter/);

      const token = organizer.token;
      const call = (method: string, path: string, body: unknown) =>
        api.call(method, path, body, { token, headers: idem() });
      const venue = await call('POST', '/v1/venues', {
        name: 'Production Hall',
        address: '1 Deploy Street',
        city: 'Lisbon',
        country: 'PT',
        latitude: 38.72,
        longitude: -9.14,
        timeZone: 'Europe/Lisbon',
      });
      expect(venue.status, JSON.stringify(venue.body)).toBe(201);
      const event = await call('POST', '/v1/events', {
        venueId: venue.body.id,
        title: 'First night in production',
        startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        status: 'scheduled',
      });
      expect(event.status, JSON.stringify(event.body)).toBe(201);
      const eventId: string = event.body.id;
      const tier = await call('POST', `/v1/events/${eventId}/tiers`, {
        name: 'Standing',
        kind: 'ga',
        priceCents: 3_000,
        feeCents: 300,
        currency: 'EUR',
        capacity: 50,
      });
      expect(tier.status, JSON.stringify(tier.body)).toBe(201);
      const onsale = await call('PUT', `/v1/events/${eventId}/onsale`, {
        mode: 'open',
        saleStartsAt: new Date(Date.now() - 1_000).toISOString(),
        holdTtlSeconds: 300,
      });
      expect([200, 201], JSON.stringify(onsale.body)).toContain(onsale.status);

      // A fan finds it and buys two places with a card (the sandbox processor).
      const fan = await api.register('first.fan@example.com', 'a long fan password', 'First Fan');
      const page = await api.get(`/v1/events/${eventId}`);
      expect(page.status).toBe(200);
      expect(page.body.title).toBe('First night in production');
      const hold = await api.post(
        '/v1/holds',
        { eventId, tierId: tier.body.id, quantity: 2 },
        { token: fan.token, headers: idem() },
      );
      expect(hold.status, JSON.stringify(hold.body)).toBe(201);
      const order = await api.post(
        '/v1/orders',
        { holdId: hold.body.id, payment: { card: CARDS.ok } },
        { token: fan.token, headers: idem() },
      );
      expect(order.status, JSON.stringify(order.body)).toBe(201);
      expect(order.body.tickets).toHaveLength(2);

      const sql = postgres(db.url, { max: 1, onnotice: () => {} });
      try {
        const [row] = await sql<{ status: string; total_cents: number; provider: string }[]>`
          select status, total_cents, provider from orders where id = ${order.body.id as string}`;
        expect(row).toMatchObject({ total_cents: 6_600, provider: 'sandbox' });
        expect(['confirmed', 'captured']).toContain(row!.status);
        const [tickets] = await sql<{ n: number }[]>`
          select count(*)::int as n from tickets where order_id = ${order.body.id as string} and status = 'valid'`;
        expect(tickets!.n).toBe(2);
      } finally {
        await sql.end();
      }
      const mine = await api.get('/v1/me/tickets', { token: fan.token });
      expect(mine.status).toBe(200);

      // What sold is in the API node's metrics; the worker serves its own (its jobs' counters).
      const metrics = await scrape(`${api.baseUrl}/metrics`);
      expect(metrics).toMatch(/^fairdrop_orders_paid_total 1$/m);
      expect(metrics).toMatch(/^fairdrop_tickets_issued_total 2$/m);
      expect(metrics).toMatch(/^fairdrop_holds_created_total 1$/m);
      expect(await scrape(`http://127.0.0.1:${workerMetricsPort}/metrics`)).toMatch(
        /^fairdrop_holds_expired_total \d+$/m,
      );

      // Demoted, the organizer can no longer manage the event; the last admin stays an admin.
      const demoted = await admin(['demote', '--email', 'promoter@example.com']);
      expect(demoted.stdout).toBe('promoter@example.com is no longer an organizer (roles: fan).\n');
      expect((await api.get('/v1/organizer/events', { token })).status).toBe(403);
      const lastAdmin = await admin(['demote', '--email', 'ops@example.com', '--role', 'admin']);
      expect(lastAdmin.code).toBe(1);
      expect(lastAdmin.stderr).toContain('ops@example.com is the only admin');

      // The admin can now do the rest through the API: give the organizer role back.
      const roles = await api.put(
        `/v1/users/${organizer.userId}/roles`,
        { roles: ['fan', 'organizer'] },
        { token: adminSession.body.token, headers: idem() },
      );
      expect(roles.status, JSON.stringify(roles.body)).toBe(200);
      expect((await api.get('/v1/organizer/events', { token })).status).toBe(200);
    },
  );
});
