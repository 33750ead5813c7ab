import type { Broadcaster } from '../realtime/broadcaster.js';
import type { EndedSession } from './auth.repository.js';
import type { SessionCache } from './session-cache.js';

/** What ending a session or refreshing an account touches besides Postgres. */
export interface SessionEndDeps {
  sessions: Pick<SessionCache, 'revoke' | 'forgetAccount'>;
  /** Disconnects sockets on every node when their session ends or their account changes. */
  sockets: Pick<Broadcaster, 'disconnectSession' | 'disconnectUser'>;
}

/**
 * Sessions ended (their rows already deleted): requests with their tokens fail at once on
 * every node (the cache's tombstones), then their sockets are disconnected everywhere, in that
 * order, so a socket that reconnects at once meets the tombstone.
 */
export async function sessionsEnded(
  deps: SessionEndDeps,
  sessions: readonly EndedSession[],
  userId: string,
): Promise<void> {
  await Promise.all(sessions.map((s) => deps.sessions.revoke(s.tokenHash, { userId, sessionId: s.id })));
  for (const s of sessions) deps.sockets.disconnectSession(s.id);
}

/**
 * The account's roles, address or verified address changed: its sessions are read again from
 * Postgres, and its sockets, on every node, are disconnected so that they reconnect with the
 * new facts.
 */
export async function accountChanged(deps: SessionEndDeps, userId: string): Promise<void> {
  await deps.sessions.forgetAccount(userId);
  deps.sockets.disconnectUser(userId);
}
