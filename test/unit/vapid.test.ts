import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { loadOrCreateVapidKeys } from '../../src/notifications/vapid.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('VAPID keys', () => {
  it('are made once in the data folder, readable only by the owner, and the same on every later start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-vapid-'));
    dirs.push(dir);
    const path = join(dir, 'nested', 'vapid.json');
    const [a, b] = await Promise.all([loadOrCreateVapidKeys(path), loadOrCreateVapidKeys(path)]);
    expect(a).toEqual(b);
    expect(await loadOrCreateVapidKeys(path)).toEqual(a);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(a);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    // The configuration takes the pair as made.
    const config = loadConfig({ VAPID_PUBLIC_KEY: a.publicKey, VAPID_PRIVATE_KEY: a.privateKey });
    expect(config.VAPID_PUBLIC_KEY).toBe(a.publicKey);
  });

  it('must come as a pair in the configuration, in their base64url form', () => {
    expect(() => loadConfig({ VAPID_PUBLIC_KEY: 'B'.repeat(87) })).toThrow(/VAPID_PRIVATE_KEY: set both/);
    expect(() => loadConfig({ VAPID_PUBLIC_KEY: 'short', VAPID_PRIVATE_KEY: 'x'.repeat(43) })).toThrow(
      /VAPID_PUBLIC_KEY: must be a base64url P-256 public key/,
    );
    expect(() => loadConfig({ VAPID_SUBJECT: 'ops@example.com' })).toThrow(/VAPID_SUBJECT/);
  });
});
