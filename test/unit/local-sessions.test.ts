import { describe, expect, it } from 'vitest';
import { decodeChange, encodeChange, HEARTBEAT_MS, LocalSessions } from '../../src/auth/local-sessions.js';
import type { Principal } from '../../src/auth/principal.js';

const fan = (userId = 'u1', sessionId = 's1'): Principal => ({
  userId,
  sessionId,
  email: `${userId}@example.test`,
  displayName: 'Fan',
  roles: ['fan'],
  emailVerified: true,
});
const later = (ms: number) => new Date(1_000_000 + ms);
const T = 1_000_000;

function live(): LocalSessions {
  const local = new LocalSessions(60_000, 3);
  local.setLive(true, T);
  return local;
}

describe('LocalSessions', () => {
  it('keeps nothing and answers nothing until subscribed', () => {
    const local = new LocalSessions(60_000, 10);
    local.keep('h1', fan(), later(3_600_000), local.begin(T), T);
    expect(local.get('h1', T)).toBeUndefined();
    expect(local.size).toBe(0);
  });

  it('answers a kept session until the copy or the session ends, whichever is first', () => {
    const local = live();
    local.keep('h1', fan(), later(3_600_000), local.begin(T), T);
    local.keep('h2', fan('u2', 's2'), later(500), local.begin(T), T);
    expect(local.get('h1', T + 1)?.principal.userId).toBe('u1');
    local.heartbeat(T + 1_000);
    expect(local.get('h2', T + 1_000)).toBeUndefined();
    local.heartbeat(T + 60_000);
    expect(local.get('h1', T + 60_000)).toBeUndefined();
  });

  it('does not keep a read that was in flight when a change arrived', () => {
    const local = live();
    const generation = local.begin(T);
    local.apply({ kind: 'token', tokenHash: 'other' });
    local.keep('h1', fan(), later(3_600_000), generation, T);
    expect(local.get('h1', T)).toBeUndefined();
  });

  it('drops a token, or every session of an account, when told', () => {
    const local = live();
    local.keep('a1', fan('a', 'sa1'), later(3_600_000), local.begin(T), T);
    local.keep('a2', fan('a', 'sa2'), later(3_600_000), local.begin(T), T);
    local.keep('b1', fan('b', 'sb1'), later(3_600_000), local.begin(T), T);
    local.apply({ kind: 'token', tokenHash: 'a1' });
    expect(local.get('a1', T)).toBeUndefined();
    expect(local.get('a2', T)).toBeDefined();
    local.apply({ kind: 'account', userId: 'a' });
    expect(local.get('a2', T)).toBeUndefined();
    expect(local.get('b1', T)?.principal.userId).toBe('b');
  });

  it('forgets everything when the subscription drops or falls silent', () => {
    const local = live();
    local.keep('h1', fan(), later(3_600_000), local.begin(T), T);
    local.setLive(false, T + 1);
    expect(local.size).toBe(0);

    const silent = live();
    silent.keep('h1', fan(), later(3_600_000), silent.begin(T), T);
    expect(silent.get('h1', T + 3 * HEARTBEAT_MS)).toBeDefined();
    expect(silent.get('h1', T + 3 * HEARTBEAT_MS + 1)).toBeUndefined();
    // Heard again: the copy is not back; a new read may be kept.
    silent.heartbeat(T + 5_000);
    expect(silent.get('h1', T + 5_000)).toBeUndefined();
    silent.keep('h1', fan(), later(3_600_000), silent.begin(T + 5_000), T + 5_000);
    expect(silent.get('h1', T + 5_000)).toBeDefined();
  });

  it('makes room by dropping the oldest copy, and freezes what it shares', () => {
    const local = live();
    for (const h of ['h1', 'h2', 'h3', 'h4']) local.keep(h, fan(h, h), later(3_600_000), local.begin(T), T);
    expect(local.size).toBe(3);
    expect(local.get('h1', T)).toBeUndefined();
    const held = local.get('h4', T)!;
    expect(Object.isFrozen(held.principal) && Object.isFrozen(held.principal.roles)).toBe(true);
  });

  it('encodes and decodes the channel messages', () => {
    for (const change of [
      { kind: 'token', tokenHash: 'abc' },
      { kind: 'account', userId: 'u-1' },
      { kind: 'heartbeat', node: 'n' },
    ] as const)
      expect(decodeChange(encodeChange(change))).toEqual(change);
    expect(decodeChange('x:1')).toBeNull();
  });
});
