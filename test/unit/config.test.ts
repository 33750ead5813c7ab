import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { parseClusterNodes } from '../../src/infra/redis.js';
import { metricsDisabledHint, metricsOnPublicPort } from '../../src/http/metrics.js';

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

  it('trusts no proxy unless told; takes a hop count, true, or addresses, subnets and range names', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(
      loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, 172.16.0.0/255.240.0.0, fd00::/8, 192.0.2.7' }).TRUST_PROXY,
    ).toEqual(['loopback', '10.0.0.0/8', '172.16.0.0/255.240.0.0', 'fd00::/8', '192.0.2.7']);
    for (const bad of ['lopback', '10.0.0.0/33', '300.1.1.1', 'yes', '64', ',']) {
      try {
        loadConfig({ TRUST_PROXY: bad });
        expect.unreachable(bad);
      } catch (err) {
        expect(err, bad).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).problems.map((p) => p.variable)).toEqual(['TRUST_PROXY']);
      }
    }
  });

  it('keeps idempotent answers a day and metrics on loopback unless told otherwise', () => {
    const config = loadConfig({});
    expect(config.IDEMPOTENCY_TTL_HOURS).toBe(24);
    expect(config.METRICS_PORT).toBeUndefined();
    expect(config.METRICS_HOST).toBe('127.0.0.1');
    expect(() => loadConfig({ IDEMPOTENCY_TTL_HOURS: '0' })).toThrow(/IDEMPOTENCY_TTL_HOURS/);
  });

  it('serves /metrics on the public port in production only with a token', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/x',
      REDIS_URL: 'redis://r',
      SIGNING_KEY: 'k',
    };
    const token = 'a-metrics-token-of-some-length';
    expect(metricsOnPublicPort(loadConfig(production))).toBe(false);
    expect(metricsDisabledHint(loadConfig(production))).toMatch(/METRICS_TOKEN[\s\S]*METRICS_PORT/);
    expect(metricsOnPublicPort(loadConfig({ ...production, METRICS_TOKEN: token }))).toBe(true);
    expect(metricsOnPublicPort(loadConfig({ ...production, METRICS_PORT: '9464' }))).toBe(false);
    expect(metricsDisabledHint(loadConfig({ ...production, METRICS_PORT: '9464' }))).toBeNull();
    // Development keeps the convenience, until metrics get a port of their own.
    expect(metricsOnPublicPort(loadConfig({}))).toBe(true);
    expect(metricsOnPublicPort(loadConfig({ METRICS_PORT: '9464' }))).toBe(false);
  });

  it('refuses a Redis prefix that would break hash tags', () => {
    expect(() => loadConfig({ REDIS_PREFIX: 'fd{x}:' })).toThrow(ConfigError);
  });
});
