import { z } from 'zod';
import type postgres from 'postgres';
import type { AppRedis } from '../infra/redis.js';
import { defineRoute, Reply, type AnyRoute } from './route.js';

const check = z.object({ status: z.enum(['up', 'down']), latencyMs: z.number(), error: z.string().optional() });
const readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({ postgres: check, redis: check }),
});

async function probe(run: () => Promise<unknown>): Promise<z.infer<typeof check>> {
  const started = performance.now();
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 2 s')), 2000).unref()),
    ]);
    return { status: 'up', latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { status: 'down', latencyMs: Math.round(performance.now() - started), error: (err as Error).message };
  }
}

export function healthRoutes(sql: postgres.Sql, redis: AppRedis): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      summary: 'The process is up',
      tag: 'Operations',
      access: 'public',
      response: { status: 200, schema: z.object({ status: z.literal('ok') }) },
      handler: async () => ({ status: 'ok' as const }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Postgres and Redis answer (503 otherwise)',
      tag: 'Operations',
      access: 'public',
      response: { status: 200, schema: readiness },
      handler: async () => {
        const [pg, rd] = await Promise.all([probe(() => sql`select 1`), probe(() => redis.ping())]);
        const ready = pg.status === 'up' && rd.status === 'up';
        const body = {
          status: ready ? ('ready' as const) : ('not_ready' as const),
          checks: { postgres: pg, redis: rd },
        };
        return ready ? body : new Reply(503, body);
      },
    }),
  ];
}
