import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createBroadcaster } from '../../src/realtime/broadcaster.js';
import { TEST_REDIS } from '../support/env.js';

describe('broadcaster', () => {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => void rejections.push(reason);
  afterEach(() => void process.off('unhandledRejection', onRejection));

  it('logs a broadcast Redis cannot take instead of leaving a rejection that would end the process', async () => {
    process.on('unhandledRejection', onRejection);
    const warnings: { obj: unknown; msg: string }[] = [];
    const logger = { warn: (obj: unknown, msg: string) => void warnings.push({ obj, msg }) };
    // The request paths' connection gives up on a command after its retries; a closed one at once.
    const redis = new Redis(TEST_REDIS, { maxRetriesPerRequest: 2 });
    const broadcaster = createBroadcaster(redis, { REDIS_PREFIX: 'fdt:broadcaster:' }, logger);
    await redis.quit();

    broadcaster.toUser('u1', 'notification', { id: 1, kind: 'test', title: 't', body: 'b', createdAt: '', data: {} });
    broadcaster
      .namespace('/queue')
      .to('room')
      .emit('anything' as never);
    broadcaster.disconnectSession('s1');

    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(rejections).toEqual([]);
    // One PUBLISH for each emit, and one per session namespace for the disconnect.
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    expect(warnings.every((w) => w.msg === 'socket broadcast not published')).toBe(true);
    expect(warnings[0]!.obj).toMatchObject({ channel: expect.stringContaining('fdt:broadcaster:') });
  });
});
