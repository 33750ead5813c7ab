import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { parseClusterNodes } from '../../src/infra/redis.js';

describe('config', () => {
  it('has working defaults for the zero-setup start', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, REDIS_PREFIX: 'fd:', RUN_WORKERS: true, SEED_DEMO: true });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('lists every bad variable at once', () => {
    try {
      loadConfig({
        PORT: '99999',
        LOG_LEVEL: 'loud',
        CORS_ORIGINS: 'https://a.example, https://b.example',
        STRIPE_SECRET_KEY: 'pk_live_x',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
        'LOG_LEVEL',
        'PORT',
        'STRIPE_SECRET_KEY',
      ]);
      expect((err as Error).message).toContain('README');
    }
  });

  it('treats empty strings as unset and parses lists and booleans', () => {
    const config = loadConfig({
      DATABASE_URL: '',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      SEED_DEMO: 'false',
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(config.SEED_DEMO).toBe(false);
  });

  it('demands real services and a signing key in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/DATABASE_URL[\s\S]*REDIS_URL[\s\S]*SIGNING_KEY/);
  });

  it('takes Redis Cluster seed nodes instead of REDIS_URL, never both', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b:7001,rediss://u:p%40ss@redis-c:7002' });
    expect(config.REDIS_CLUSTER_NODES).toEqual(['10.0.0.1:7000', 'redis-b:7001', 'rediss://u:p%40ss@redis-c:7002']);
    expect(parseClusterNodes(config.REDIS_CLUSTER_NODES!)).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b', port: 7001 },
        { host: 'redis-c', port: 7002 },
      ],
      auth: { username: 'u', password: 'p@ss', tls: {} },
    });
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis-a' })).toThrow(/REDIS_CLUSTER_NODES/);
    expect(() => loadConfig({ REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'r:7000' })).toThrow(/not both/);
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://db/x',
        SIGNING_KEY: 'k',
        REDIS_CLUSTER_NODES: 'r:7000',
      }),
    ).not.toThrow();
  });

  it('refuses a Redis prefix that would break hash tags', () => {
    expect(() => loadConfig({ REDIS_PREFIX: 'fd{x}:' })).toThrow(ConfigError);
  });
});
