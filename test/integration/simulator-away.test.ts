import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropOptions } from '../../tools/simulator/options.js';
import { memoryReporter } from '../../tools/simulator/reporter.js';
import type { DropReport } from '../../tools/simulator/report.js';
import { runDrop } from '../../tools/simulator/runner.js';
import { TEST_POSTGRES, TEST_REDIS } from '../support/env.js';

/**
 * Fans away from the page (issue #19, part 1): half the crowd subscribes to Web Push at the
 * simulator's own receiver, leaves the page after joining, and comes back on the push (or its
 * reminder) to buy, or never does. Every push is VAPID-checked and decrypted for real. The
 * report's token counts come from Redis and Postgres, and must add up with what the fans did.
 */
describe('npm run drop --mode queue --away 0.5 (40 fans, 100 places)', () => {
  let reportDir: string;
  let stop: (() => Promise<void>) | undefined;
  let report: DropReport;

  beforeAll(async () => {
    reportDir = await mkdtemp(join(tmpdir(), 'fd-drop-away-'));
  });
  afterAll(async () => {
    await stop?.().catch(() => undefined);
    await rm(reportDir, { recursive: true, force: true });
  }, 60_000);

  it(
    'away fans buy through the push path; issued = used + expired + valid, and used = holds with a token',
    // The never-reacting fans' passes must lapse (a 60 s TTL) before the drop ends; minutes on a shared machine.
    { timeout: 420_000 },
    async () => {
      const options = dropOptions({
        fans: 40,
        seats: 100,
        nodes: 1,
        processes: 1,
        mode: 'queue',
        arrival: 'burst',
        arrivalSeconds: 2,
        thinkMs: 100,
        decline: 0,
        groups: 0,
        abandon: 0,
        bots: 0,
        away: 0.5,
        awayNever: 0.3,
        awayReactSeconds: 2,
        awayLookSeconds: 30,
        tokenTtl: 60,
        admitPerMinute: 1_200,
        duration: 150,
        seed: 5,
        reportDir,
        quiet: true,
      });
      ({ report } = await runDrop(options, {
        env: { DATABASE_URL: TEST_POSTGRES, REDIS_URL: TEST_REDIS },
        reporter: memoryReporter(),
        onDeployment: (s) => (stop = s),
      }));

      const checks = [...(report.audit?.checks ?? []), ...(report.queueChecks ?? []), ...(report.clientChecks ?? [])];
      expect(checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.clean).toBe(true);

      const away = report.waiting.away;
      expect(away.joined).toBe(20);
      // Every push the receiver got carried the deployment's VAPID signature and opened with the fan's keys.
      expect(away.pushesRefused).toBe(0);
      expect(away.bought).toBeGreaterThan(0);
      expect(away.reactedToTurn).toBeGreaterThan(0);
      expect(away.passExpired).toBeGreaterThan(0);

      // The server's records: every token is used, expired or still valid, and every used one is a hold in Postgres.
      const t = report.tokens!;
      expect(t).not.toBeNull();
      expect(t.issued).toBe(t.used + t.expired + t.outstanding);
      expect(t.used).toBe(t.holdsWithToken);
      expect([t.claimedWithoutHold, t.holdsNotClaimed]).toEqual([0, 0]);
      const push = t.byChannel.push;
      // 100 places for at most 80 tickets: everyone is admitted, each away fan once.
      expect(push.issued).toBe(20);
      expect(push.used).toBe(away.bought);
      // The fans who never came back are exactly the tokens Redis holds as lapsed.
      expect(push.expired).toBe(away.passExpired);
      expect(push.outstanding).toBe(0);
      expect(t.byChannel.unknown.issued).toBe(0);
      expect(t.admissionToHold.push.count).toBe(push.used);
      expect(t.admissionToHold.push.p50).toBeGreaterThan(0);
      expect(report.latency.notice.count).toBe(away.reactedToTurn + away.reactedToReminder);

      // The outbox: a "your turn" push per admitted away fan, delivered; reminders sent to the
      // fans who had not bought by then, dropped (skipped) for those who had.
      const row = (kind: string) => report.notices!.rows.find((r) => r.kind === kind && r.channel === 'webpush')!;
      expect(row('queue.your_turn')).toMatchObject({ sent: push.issued, failed: 0 });
      const reminder = row('queue.your_turn_reminder');
      expect(reminder.sent).toBeGreaterThanOrEqual(away.passExpired);
      expect(reminder.skipped).toBeGreaterThan(0);
      expect(away.pushes).toBe(row('queue.your_turn').sent + reminder.sent);

      const summary = await readFile(join(reportDir, 'summary.txt'), 'utf8');
      expect(summary).toContain(
        `purchase tokens (Redis, Postgres): issued ${t.issued}, used ${t.used}, expired ${t.expired}`,
      );
      expect(summary).toMatch(/^ {4}push {3}issued 20, used \d+, expired \d+; admission → hold p50 [\d.]+ s/m);
      const html = await readFile(join(reportDir, 'report.html'), 'utf8');
      expect(html).toContain("<h2>Purchase tokens (the server's records)</h2>");
      expect(html).toContain('<figcaption>admission → hold, push</figcaption>');
      expect(t.admissionToHoldHistogram.push.counts.reduce((a, b) => a + b, 0)).toBe(push.used);
      expect(html).not.toMatch(/<script/i);
    },
  );
});
