import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { uniqueEmail } from '../support/fixtures.js';

let env: TestEnv;
beforeAll(async () => {
  // A deliberately slow password hash (~2^16 scrypt) keeps a request in flight long enough to close under it.
  env = await createTestEnv({ PASSWORD_SCRYPT_LOG_N: '16' });
});
afterAll(() => env?.close());

describe('graceful shutdown', () => {
  it('finishes the request in flight, then refuses new connections', async () => {
    const inFlight = env.api.post('/v1/auth/register', {
      email: uniqueEmail(),
      password: 'a long passphrase',
      displayName: 'Late',
    });
    await new Promise((r) => setTimeout(r, 30));
    const closed = env.server.close();
    const res = await inFlight;
    expect(res.status).toBe(201);
    await closed;
    await expect(fetch(`${env.api.baseUrl}/healthz`)).rejects.toThrow();
  });
});
