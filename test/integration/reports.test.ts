import { spawnSync } from 'node:child_process';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { reportSchema } from '../../src/reports/reports.schemas.js';
import { leadingZeroBits } from '../../src/shared/leading-zero-bits.js';
import { powDigest } from '../../src/waitingroom/pow.js';
import { DEMO_PASSWORD, demoAccounts } from '../../tools/seed/accounts.js';
import { dropOptions } from '../../tools/simulator/options.js';
import { memoryReporter } from '../../tools/simulator/reporter.js';
import { runDrop } from '../../tools/simulator/runner.js';
import { createTestEnv, TEST_POSTGRES, TEST_REDIS, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { bulkAccounts } from '../support/sales.js';
import { queueSale, waitUntil } from '../support/waitingroom.js';

/**
 * The post-drop report (GET /v1/organizer/events/:id/report) against what really happened: a
 * queue-mode drop run by the drop simulator, whose own counts the report must repeat, and joins
 * refused by the proof of work and the rate limit.
 */

type ReportBody = z.output<typeof reportSchema>;

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000', QUEUE_JOIN_LIMIT_PER_IP: '100000' });
}, 60_000);
afterAll(async () => {
  await env?.close();
});

/**
 * The report of a deployment's event, read as its demo organizer once the receipts of every
 * join and admission are in (they follow the queue within seconds). Synchronous, in a child
 * process: it runs inside the simulator's summary callback, before the deployment stops.
 */
function reportOverHttp(url: string, eventId: string): ReportBody {
  const organizer = demoAccounts.find((a) => a.roles.includes('organizer'))!;
  const script = `
    const [url, eventId, email, password] = process.argv.slice(1);
    const login = await (await fetch(url + '/v1/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
    })).json();
    const get = async (path) => (await fetch(url + path, { headers: { authorization: 'Bearer ' + login.token } })).json();
    const deadline = Date.now() + 30000;
    let report;
    for (;;) {
      report = await get('/v1/organizer/events/' + eventId + '/report');
      const stats = await get('/v1/events/' + eventId + '/queue/stats');
      const settled = report.arrivals.total === stats.entrants && report.waits.arrivalToAdmission.count === report.tokens.issued;
      if (settled || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    process.stdout.write(JSON.stringify(report));`;
  const child = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', script, url, eventId, organizer.email, DEMO_PASSWORD],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (child.status !== 0) throw new Error(`reading the report failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as ReportBody;
}

const reportOf = async (eventId: string, token: string) => {
  const res = await env.api.get(`/v1/organizer/events/${eventId}/report`, { token });
  expect(res.status).toBe(200);
  return res.body;
};

describe('the post-drop report', () => {
  it('counts joins refused by the proof of work and by the rate limit, per reason and minute, in batches', async () => {
    const organizer = await signedIn(env, ['organizer']);
    const pow = await queueSale(env, organizer.userId, { onsale: { powDifficulty: 8 } });
    const [fan, other] = await bulkAccounts(env.infra.database.db, 2);
    const join = (eventId: string, token: string, body?: unknown) =>
      env.api.post(`/v1/events/${eventId}/queue`, body, { token });
    // Three joins without a proof, two with a wrong nonce: five answers, not a statement each.
    const unsolved = await Promise.all([1, 2, 3].map(() => join(pow.eventId, fan!.token)));
    expect(unsolved.map((a) => a.body.code)).toEqual(Array(3).fill('queue.pow_required'));
    const { body: challenge } = await env.api.get(`/v1/events/${pow.eventId}/queue/challenge`, { token: fan!.token });
    const wrong = ['w', 'x', 'y', 'z'].find((n) => leadingZeroBits(powDigest(challenge.challenge, n)) < 8)!;
    for (let i = 0; i < 2; i++)
      expect((await join(pow.eventId, fan!.token, { challenge: challenge.challenge, nonce: wrong })).body.code).toBe(
        'queue.pow_invalid',
      );

    // One account joining 12 times in a minute: the 11th and 12th are refused (QUEUE_JOIN_LIMIT_PER_ACCOUNT 10).
    const limited = await queueSale(env, organizer.userId);
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push((await join(limited.eventId, other!.token)).status);
    expect(answers.filter((s) => s === 429)).toHaveLength(2);

    await waitUntil(
      async () => (await reportOf(pow.eventId, organizer.token)).refusals.total === 5,
      10_000,
      'refusals counted',
    );
    const powReport = await reportOf(pow.eventId, organizer.token);
    expect(powReport.refusals).toMatchObject({ total: 5, powRequired: 3, powInvalid: 2, rateLimited: 0 });
    await waitUntil(
      async () => (await reportOf(limited.eventId, organizer.token)).refusals.rateLimited === 2,
      10_000,
      'rate limits counted',
    );
    const rows = await env.infra.database.sql<{ reason: string; n: number }[]>`
      select reason, sum(count)::int as n from queue_refusals where event_id = ${pow.eventId} group by reason order by reason`;
    expect(rows.map((r) => [r.reason, r.n])).toEqual([
      ['pow_invalid', 2],
      ['pow_required', 3],
    ]);
    const csv = await env.api.get(`/v1/organizer/events/${pow.eventId}/report.csv`, { token: organizer.token });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.body).toContain('\r\nrefusals,powRequired,3\r\n');
  });

  it(
    'repeats the drop simulator’s own counts for a small queue-mode drop',
    // A minute or two on a loaded 2-core machine: the crowd, the nodes and Postgres share it.
    { timeout: 360_000 },
    async () => {
      // The simulator's own deployment (API node and worker processes on a database of its own);
      // the report is read over HTTP as its organizer when the drop's summary is written, before
      // the deployment is torn down.
      let url = '';
      let eventId = '';
      let fromApi: ReportBody | null = null;
      const reporter = memoryReporter();
      const info = reporter.info;
      reporter.info = (line: string) => {
        info(line);
        url ||= /are up: (http:\/\/\S+?)(,|$)/.exec(line)?.[1] ?? '';
        eventId ||= /^event ([0-9a-f-]{36}):/.exec(line)?.[1] ?? '';
      };
      const summary = reporter.summary;
      reporter.summary = (text: string) => {
        summary(text);
        fromApi = reportOverHttp(url, eventId);
      };
      const options = dropOptions({
        fans: 150,
        seats: 30,
        nodes: 1,
        mode: 'queue',
        arrival: 'burst',
        arrivalSeconds: 2,
        thinkMs: 150,
        decline: 0.1,
        groups: 0.1,
        bots: 6,
        abandon: 0.1,
        duration: 40,
        seed: 5,
        admitPerMinute: 600,
        quiet: true,
      });
      const { report: sim } = await runDrop(options, {
        env: { DATABASE_URL: TEST_POSTGRES, REDIS_URL: TEST_REDIS },
        reporter,
      }).catch((err: unknown) => {
        throw new Error(`${String(err)}\n${reporter.lines.join('\n')}`);
      });
      expect(sim.audit?.checks.filter((c) => !c.ok) ?? []).toEqual([]);
      expect(eventId).toBe(sim.target.eventId);
      expect(fromApi).not.toBeNull();
      const r = fromApi!;
      const joined = Object.values(sim.waiting)
        .filter((v): v is { joined: number; bought: number } => typeof v === 'object' && v !== null && 'joined' in v)
        .reduce((n, v) => n + v.joined, 0);
      expect(joined).toBeGreaterThan(100);

      // What the simulator's fans were told, and what its audit read in Postgres.
      expect(r.sales.ticketsSold).toBe(sim.sale.ticketsSold);
      expect(r.sales.ticketsSold).toBe(sim.audit!.totals.ticketsValid);
      expect(r.sales.ordersPaid).toBe(sim.sale.orders);
      expect(r.sales.capacity).toBe(sim.capacity.total);
      // One entry per account: every account the simulator registered joined once ("shared" bots
      // join with another client's account, so clients outnumber entries).
      expect(r.arrivals.total).toBe(sim.registration.api + (sim.registration.seeded?.accounts ?? 0));
      expect(r.arrivals.total).toBeLessThanOrEqual(joined);
      // Everyone arrived in the burst before the sale opened: the pre-queue is the draw.
      expect(r.draw).not.toBeNull();
      expect(r.draw!.prequeueSize).toBe(r.arrivals.prequeue);
      expect(r.arrivals.prequeue + r.arrivals.late).toBe(r.arrivals.total);
      // The simulator counts clients in the pre-queue; clients sharing an account share its entry.
      const clientsSharing = joined - r.arrivals.total;
      expect(r.draw!.prequeueSize).toBeLessThanOrEqual(sim.prequeue!.joined);
      expect(r.draw!.prequeueSize).toBeGreaterThanOrEqual(sim.prequeue!.joined - clientsSharing);
      // The lottery ran at the first tick after the sale start.
      const drawLag = Date.parse(r.draw!.drawnAt!) - Date.parse(r.sale.saleStartsAt!);
      expect(drawLag).toBeGreaterThanOrEqual(0);
      expect(drawLag).toBeLessThan(5_000);
      // Every order of a queue sale is bought with one admission's token, one hold per token.
      expect(r.conversion.admittedBought).toBe(sim.sale.orders);
      expect(r.tokens.used).toBeGreaterThanOrEqual(r.conversion.admittedBought);
      expect(r.tokens.issued).toBe(r.tokens.used + r.tokens.expired + r.tokens.live);
      expect(r.tokens.issued).toBe(r.admissions.total);
      expect(r.abandonment.notAdmitted).toBe(r.arrivals.total - r.admissions.total);
      expect(r.waits.arrivalToAdmission.count).toBe(r.tokens.issued);
      expect(r.waits.admissionToOrder.count).toBe(sim.sale.orders);
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      expect(sum(r.timeline.orders)).toBe(sim.sale.orders);
      expect(sum(r.timeline.arrivals)).toBe(r.arrivals.total);
      expect(sum(r.timeline.admissions)).toBe(r.admissions.total);
      // The fans told "rate limited" at the join are the refusals the report counts.
      const limitedJoins = sim.errors
        .filter((e) => e.code === 'rate_limited' && e.endpoint === 'join')
        .reduce((n, e) => n + e.count, 0);
      expect(r.refusals.rateLimited).toBe(limitedJoins);
      expect(r.sales.soldOut).toBe(sim.sale.allSold);
      if (sim.sale.allSold) expect(Math.abs(r.sales.sellOutSeconds! - sim.sale.sellOutSeconds!)).toBeLessThan(3);
      expect(r.revenue.netCents).toBe(r.revenue.grossCents - r.revenue.refundedCents);
      expect(r.revenue.grossCents).toBeGreaterThan(0);
    },
  );
});
