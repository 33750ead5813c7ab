import { describe, expect, it } from 'vitest';
import {
  decodeChange,
  encodeChange,
  HEARTBEAT_STALE_MS,
  LocalSessions,
  SILENCE_MS,
} from '../../src/auth/local-sessions.js';
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
    local.sent(1, T + 1_000);
    local.heartbeat(1, T + 1_000);
    expect(local.get('h2', T + 1_000)).toBeUndefined();
    local.sent(2, T + 60_000);
    local.heartbeat(2, T + 60_000);
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

    // A heartbeat sent and not heard back within HEARTBEAT_STALE_MS: the subscription may be dead.
    const silent = live();
    silent.keep('h1', fan(), later(3_600_000), silent.begin(T), T);
    silent.sent(1, T + 1_000);
    silent.sent(2, T + 2_000);
    expect(silent.get('h1', T + 1_000 + HEARTBEAT_STALE_MS)).toBeDefined();
    expect(silent.get('h1', T + 1_000 + HEARTBEAT_STALE_MS + 1)).toBeUndefined();
    // Heard again: the copy is not back; a new read may be kept.
    silent.heartbeat(2, T + 5_000);
    expect(silent.get('h1', T + 5_000)).toBeUndefined();
    silent.keep('h1', fan(), later(3_600_000), silent.begin(T + 5_000), T + 5_000);
    expect(silent.get('h1', T + 5_000)).toBeDefined();
    // Hearing an earlier one is not enough while a later one is overdue.
    silent.sent(3, T + 6_000);
    silent.sent(4, T + 7_000);
    silent.heartbeat(3, T + 7_000);
    expect(silent.get('h1', T + 7_000 + HEARTBEAT_STALE_MS + 1)).toBeUndefined();

    // Nothing sent and nothing heard for SILENCE_MS (the heartbeat timer stopped): no copy is used.
    const stopped = live();
    stopped.keep('h1', fan(), later(3_600_000), stopped.begin(T), T);
    expect(stopped.get('h1', T + SILENCE_MS)).toBeDefined();
    expect(stopped.get('h1', T + SILENCE_MS + 1)).toBeUndefined();
  });

  it('keeps its copies through a late event loop: a heartbeat counts from its sending, not the last one heard', () => {
    // A saturated node: its 1 s timer fires 4 s late, and its heartbeat comes back 2 s after that.
    const local = live();
    local.keep('h1', fan(), later(3_600_000), local.begin(T), T);
    local.sent(1, T + 1_000);
    local.heartbeat(1, T + 1_010);
    local.sent(2, T + 6_000);
    expect(local.get('h1', T + 7_999)).toBeDefined();
    local.heartbeat(2, T + 8_000);
    expect(local.get('h1', T + 8_000)?.principal.userId).toBe('u1');
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
      { kind: 'heartbeat', node: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', seq: 42 },
    ] as const)
      expect(decodeChange(encodeChange(change))).toEqual(change);
    expect(decodeChange('x:1')).toBeNull();
    expect(decodeChange('h:node-without-seq')).toBeNull();
  });
});
