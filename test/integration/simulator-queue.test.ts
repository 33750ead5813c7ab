import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropOptions } from '../../src/simulator/options.js';
import { memoryReporter } from '../../src/simulator/reporter.js';
import { runDrop } from '../../src/simulator/runner.js';
import { TEST_POSTGRES, TEST_REDIS } from '../support/env.js';

/**
 * The "smaller drop in the suite": 2,000 fans for 200 places through the waiting room,
 * two API nodes, and one node SIGKILLed mid-drop (kill-api: the fault allowed against the shared
 * test services — restarting their Redis is not). Its fans fail over to the other node. The
 * audit must stay clean (no oversell, every paying fan has its tickets, no queue entry lost or
 * duplicated) and the draw must be fair.
 */
describe('npm run drop --mode queue --fault kill-api (2,000 fans, 200 places)', () => {
  let reportDir: string;
  beforeAll(async () => {
    reportDir = await mkdtemp(join(tmpdir(), 'fd-drop-queue-test-'));
  });
  afterAll(async () => {
    await rm(reportDir, { recursive: true, force: true });
  });

  it('sells out through the queue with a node killed; the audit is clean and the draw is fair', { timeout: 240_000 }, async () => {
    const options = dropOptions({
      fans: 2_000, seats: 200, nodes: 2, threads: 2, mode: 'queue', arrival: 'burst', arrivalSeconds: 6, thinkMs: 200,
      decline: 0.05, groups: 0.1, bots: 30, abandon: 0.05, duration: 90, seed: 11, admitPerMinute: 3_000,
      fault: 'kill-api', faultAt: 2, reportDir, quiet: true,
    });
    const { report } = await runDrop(options, { env: { DATABASE_URL: TEST_POSTGRES, REDIS_URL: TEST_REDIS }, reporter: memoryReporter() });

    expect(report.faults.map((f) => f.kind)).toEqual(['kill-api']);
    const failed = [...(report.audit?.checks ?? []), ...(report.queueChecks ?? []), ...(report.clientChecks ?? [])].filter((c) => !c.ok);
    expect(failed).toEqual([]);
    expect(report.queueChecks!.map((c) => c.name)).toContain('no_queue_entry_lost');
    expect(report.clean).toBe(true);
    expect(report.audit!.totals.ticketsValid).toBeLessThanOrEqual(200);
    // What the fans were told is what Postgres holds.
    expect(report.sale.ticketsSold).toBe(report.audit!.totals.ticketsValid);
    expect(report.sale.ticketsSold).toBeGreaterThan(150);
    expect(Object.values(report.outcomes).reduce((a, b) => a + b, 0)).toBe(2_000);

    // The draw: join order says nothing about ticket number (|ρ| within 3/√n, ~3σ of a shuffle);
    // after it, first come, first numbered.
    const f = report.fairness;
    expect(f.pairs).toBeGreaterThan(200);
    expect(Math.abs(f.spearman!)).toBeLessThan(3 / Math.sqrt(f.pairs));
    expect(f.fifoChecked).toBeGreaterThan(0);
    expect(f.fifoViolations).toBe(0);
    expect(report.latency.push.count).toBeGreaterThan(0);
  });
});
