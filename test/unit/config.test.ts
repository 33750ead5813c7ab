import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('config', () => {
  it('has working defaults for the zero-setup start', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, REDIS_PREFIX: 'fd:', RUN_WORKERS: true, SEED_DEMO: true });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('lists every bad variable at once', () => {
    try {
      loadConfig({ PORT: '99999', LOG_LEVEL: 'loud', CORS_ORIGINS: 'https://a.example, https://b.example', STRIPE_SECRET_KEY: 'pk_live_x' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.variable).sort()).toEqual(['LOG_LEVEL', 'PORT', 'STRIPE_SECRET_KEY']);
      expect((err as Error).message).toContain('README');
    }
  });

  it('treats empty strings as unset and parses lists and booleans', () => {
    const config = loadConfig({ DATABASE_URL: '', CORS_ORIGINS: 'https://a.example, https://b.example', SEED_DEMO: 'false' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(config.SEED_DEMO).toBe(false);
  });

  it('demands real services and a signing key in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/DATABASE_URL[\s\S]*REDIS_URL[\s\S]*SIGNING_KEY/);
  });

  it('refuses a Redis prefix that would break hash tags', () => {
    expect(() => loadConfig({ REDIS_PREFIX: 'fd{x}:' })).toThrow(ConfigError);
  });
});
