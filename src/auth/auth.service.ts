import type { z } from 'zod';
import type { ServedConfig } from '../config.js';
import type { Db } from '../db/types.js';
import type { Logger } from '../logger.js';
import type { Broadcaster } from '../realtime/broadcaster.js';
import { DEFAULT_LOCALE, isLocale, type Locale } from '../i18n/index.js';
import { say } from '../notifications/notice-message.js';
import { timeIn } from '../notifications/notice-text.js';
import { enqueueEmail } from '../notifications/outbox.repository.js';
import { AppError, badRequest, notFound, unauthorized } from '../shared/errors.js';
import type { PlatformSigner } from '../shared/signing.js';
import { hashSecret, newSecret } from '../shared/tokens.js';
import type { Role } from '../shared/vocabulary.js';
import { appendTimeline } from '../timeline/timeline.repository.js';
import * as repo from './auth.repository.js';
import type { me, profilePatch, sessionInfo, verificationAccount } from './auth.schemas.js';
import type { LoginAttempts } from './login-attempts.js';
import { hashPassword, verifyPassword } from './password.js';
import type { Principal } from './principal.js';
import { RecoveryService } from './recovery.service.js';
import type { SessionCache } from './session-cache.js';
import { accountChanged, sessionsEnded } from './session-ends.js';

export type Me = z.input<typeof me>;
export type SessionInfo = z.input<typeof sessionInfo>;
export type VerificationAccount = z.input<typeof verificationAccount>;
export interface SessionGrant {
  token: string;
  expiresAt: string;
  user: Me;
}
export interface ClientMeta {
  ip: string | null;
  userAgent: string | null;
}
/** A bearer token resolved: its account, and when its session ends. */
export interface AuthenticatedSession {
  principal: Principal;
  expiresAt: Date;
}

export interface AuthServiceDeps {
  db: Db;
  sessions: SessionCache;
  config: Pick<ServedConfig, 'SESSION_TTL_HOURS' | 'PASSWORD_SCRYPT_LOG_N' | 'PUBLIC_URL'>;
  logger: Logger;
  /** The platform key: seals the verification mail at rest and signs the account's receipts. */
  mailKeys: PlatformSigner;
  /** Failed sign-ins, limited per account and address. */
  attempts: LoginAttempts;
  /** Disconnects sockets on every node when their session ends or their account changes. */
  sockets: Pick<Broadcaster, 'disconnectSession' | 'disconnectUser'>;
}

/** Verification links stay valid for two days: long enough for a fan who signs up on a Friday night. */
const VERIFICATION_TTL_MS = 48 * 3600_000;

/**
 * The address an account gets when the owner of its address says "this wasn't me": in the
 * `.invalid` top-level domain (RFC 2606), so no mail can ever reach it, and unique per account.
 */
export const releasedAddress = (userId: string) => `released.${userId}@fairdrop.invalid`;

const verificationInvalid = () =>
  badRequest('auth.verification_invalid', 'This verification link is unknown, used or expired.');

export function presentUser(user: repo.UserRow): Me {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    roles: user.roles as Role[],
    emailVerified: user.emailVerifiedAt !== null,
    interests: user.interests,
    home:
      user.homeLat !== null && user.homeLng !== null
        ? { lat: user.homeLat, lng: user.homeLng, ...(user.homeLabel ? { label: user.homeLabel } : {}) }
        : null,
    accessibilityNeeds: user.accessibilityNeeds,
    budgetCents: user.budgetCents,
    locale: isLocale(user.locale) ? user.locale : DEFAULT_LOCALE,
    createdAt: user.createdAt.toISOString(),
  };
}

const sessionInvalid = () => unauthorized('auth.session_invalid', 'This session is not valid; sign in again.');

/** The principal of a session that has not expired; a 401 problem for one that has. */
function live(principal: Principal, expiresAt: Date): AuthenticatedSession {
  if (expiresAt.getTime() <= Date.now())
    throw unauthorized('auth.session_expired', 'This session has expired; sign in again.');
  return { principal, expiresAt };
}

export class AuthService {
  /** Compared against when the email is unknown, so a miss costs as long as a hit. */
  private decoyHash: Promise<string> | undefined;

  private readonly db: Db;
  private readonly sessions: SessionCache;
  private readonly config: AuthServiceDeps['config'];
  private readonly logger: Logger;
  private readonly mailKeys: AuthServiceDeps['mailKeys'];
  private readonly attempts: LoginAttempts;
  private readonly sockets: AuthServiceDeps['sockets'];
  /** Getting back in: password reset by email, change of address confirmed at the new one. */
  readonly recovery: RecoveryService;

  constructor(deps: AuthServiceDeps) {
    this.db = deps.db;
    this.sessions = deps.sessions;
    this.config = deps.config;
    this.logger = deps.logger;
    this.mailKeys = deps.mailKeys;
    this.attempts = deps.attempts;
    this.sockets = deps.sockets;
    this.recovery = new RecoveryService(deps);
  }

  /**
   * `verified`: the caller already proved the address (a transfer's mailed token): no verification mail then.
   * `locale`: the language of the request that registers (its mails and notices are written in it).
   */
  async register(
    input: { email: string; password: string; displayName: string; locale?: Locale },
    meta: ClientMeta,
    options: { verified?: boolean } = {},
  ): Promise<SessionGrant> {
    const passwordHash = await hashPassword(input.password, this.config.PASSWORD_SCRYPT_LOG_N);
    const verification = newSecret('fdv');
    const user = await this.db.transaction(async (tx) => {
      const created = await repo.insertUser(tx, {
        email: input.email,
        passwordHash,
        displayName: input.displayName,
        ...(input.locale ? { locale: input.locale } : {}),
        ...(options.verified ? { emailVerifiedAt: new Date() } : {}),
      });
      if (!options.verified) await this.queueVerification(tx, created, verification);
      return created;
    });
    this.logger.info({ userId: user.id }, 'account registered');
    return this.openSession(user, meta);
  }

  /** Refused (429) for an address that failed too often on this account, slowed when many did: see LoginAttempts. */
  async login(input: { email: string; password: string }, meta: ClientMeta): Promise<SessionGrant> {
    const ip = meta.ip ?? 'unknown';
    await this.attempts.admit(input.email, ip);
    const user = await repo.findUserByEmail(this.db, input.email);
    const ok = await verifyPassword(input.password, user?.passwordHash ?? (await this.decoy()));
    if (!user || !ok) {
      if (await this.attempts.failed(input.email))
        this.logger.warn({ userId: user?.id ?? null }, 'many failed sign-ins to one account: attempts now wait');
      throw unauthorized('auth.invalid_credentials', 'Email or password is wrong.');
    }
    await this.attempts.succeeded(input.email, ip);
    return this.openSession(user, meta);
  }

  async logout(principal: Principal, token: string): Promise<void> {
    await repo.deleteSession(this.db, principal.sessionId);
    await this.ended([{ id: principal.sessionId, tokenHash: hashSecret(token) }], principal.userId);
  }

  /** My account's sessions that have not expired, newest first, the caller's own marked. */
  async listSessions(principal: Principal): Promise<SessionInfo[]> {
    const rows = await repo.listSessions(this.db, principal.userId);
    return rows.map((row) => ({
      id: row.id,
      createdAt: row.createdAt.toISOString(),
      expiresAt: row.expiresAt.toISOString(),
      ip: row.ip,
      userAgent: row.userAgent,
      current: row.id === principal.sessionId,
    }));
  }

  /** Ends one of my sessions (this one too, if named): a stranger's id is as unknown as a made-up one. */
  async revokeSession(principal: Principal, sessionId: string): Promise<void> {
    const ended = await repo.deleteSessionOf(this.db, principal.userId, sessionId);
    if (!ended) throw notFound('auth.session_not_found', 'None of your sessions has this id.');
    await this.ended([ended], principal.userId);
  }

  /** Signs out everywhere, or everywhere but here (`keepCurrent`); answers how many sessions ended. */
  async endSessions(principal: Principal, options: { keepCurrent: boolean }): Promise<number> {
    const ended = await repo.deleteSessionsOf(
      this.db,
      principal.userId,
      options.keepCurrent ? principal.sessionId : undefined,
    );
    await this.ended(ended, principal.userId);
    this.logger.info({ userId: principal.userId, ended: ended.length }, 'sessions ended');
    return ended.length;
  }

  /** Resolves a bearer token to its account: from the session cache, else from Postgres (then cached). */
  async authenticate(token: string): Promise<Principal> {
    return (await this.authenticateSession(token)).principal;
  }

  /** As authenticate, with when the session expires (a socket is disconnected then). */
  async authenticateSession(token: string): Promise<AuthenticatedSession> {
    const tokenHash = hashSecret(token);
    const cached = await this.sessions.get(tokenHash);
    if (cached === 'revoked') throw sessionInvalid();
    if (cached) return live(cached.principal, cached.expiresAt);
    const row = await repo.findSession(this.db, tokenHash);
    if (!row) throw sessionInvalid();
    const principal: Principal = {
      userId: row.userId,
      sessionId: row.sessionId,
      email: row.email,
      displayName: row.displayName,
      roles: row.roles as Role[],
      emailVerified: row.emailVerifiedAt !== null,
    };
    const session = live(principal, row.expiresAt);
    await this.sessions.put(tokenHash, principal, row.expiresAt, 'fill');
    return session;
  }

  /** Confirms the address with the mailed token; the page asks first whether the account is theirs. */
  async verifyEmail(token: string): Promise<Me> {
    const user = await this.db.transaction(async (tx) => {
      const account = await this.lockAccountOf(tx, token);
      // Under the account's lock: a "this wasn't me" that ran first retired this token.
      if (!(await repo.consumeVerification(tx, hashSecret(token)))) throw verificationInvalid();
      return repo.updateUser(tx, account.id, { emailVerifiedAt: account.emailVerifiedAt ?? new Date() });
    });
    await this.accountChanged(user!.id);
    return presentUser(user!);
  }

  /** Whose account a verification link confirms, so its reader can tell whether it is theirs before choosing. */
  async verificationAccount(token: string): Promise<VerificationAccount> {
    const userId = await repo.verificationAccount(this.db, hashSecret(token));
    const user = userId ? await repo.findUserById(this.db, userId) : undefined;
    if (!user) throw verificationInvalid();
    return {
      email: user.email,
      displayName: user.displayName,
      createdAt: user.createdAt.toISOString(),
      emailVerified: user.emailVerifiedAt !== null,
    };
  }

  /**
   * "This wasn't me": the owner of an address (the token came to their mailbox) releases it from
   * an account someone else registered with it and never confirmed. The account keeps its
   * password and purchases but gets an unroutable address; its sessions end (requests and
   * sockets, on every node); every verification token it had is spent; a receipt records it.
   * The owner may then register with the address or claim a ticket sent to it. A confirmed
   * account is refused (409): its owner already proved the mailbox.
   */
  async declineVerification(token: string): Promise<{ email: string }> {
    const { email, userId, ended } = await this.db.transaction(async (tx) => {
      const account = await this.lockAccountOf(tx, token);
      if (account.emailVerifiedAt)
        throw new AppError(409, 'auth.already_verified', 'This account has already confirmed this email address.');
      if (!(await repo.consumeVerification(tx, hashSecret(token)))) throw verificationInvalid();
      await repo.retireVerifications(tx, account.id);
      await repo.updateUser(tx, account.id, { email: releasedAddress(account.id) });
      const sessions = await repo.deleteSessionsOf(tx, account.id);
      await appendTimeline(tx, this.mailKeys, [
        {
          userId: account.id,
          kind: 'account.email_released',
          subjectType: 'account',
          subjectId: account.id,
          data: { reason: 'declined_by_address_owner', sessionsEnded: sessions.length },
        },
      ]);
      return { email: account.email, userId: account.id, ended: sessions };
    });
    await this.ended(ended, userId);
    await this.accountChanged(userId);
    this.logger.info({ userId, sessionsEnded: ended.length }, 'email address released by its owner');
    return { email };
  }

  async resendVerification(principal: Principal): Promise<void> {
    if (principal.emailVerified)
      throw new AppError(409, 'auth.already_verified', 'This email address is already verified.');
    const user = await this.getUser(principal.userId);
    await this.db.transaction((tx) => this.queueVerification(tx, user, newSecret('fdv')));
  }

  async me(principal: Principal): Promise<Me> {
    return presentUser(await this.getUser(principal.userId));
  }

  async updateProfile(principal: Principal, patch: z.output<typeof profilePatch>): Promise<Me> {
    const { home, ...rest } = patch;
    const user = await repo.updateUser(this.db, principal.userId, {
      ...rest,
      ...(home === undefined
        ? {}
        : { homeLat: home?.lat ?? null, homeLng: home?.lng ?? null, homeLabel: home?.label ?? null }),
    });
    if (!user) throw notFound('auth.user_not_found', 'This account no longer exists.');
    // Sessions read the new name; sockets stay: nothing a socket may do depends on the profile.
    await this.sessions.forgetAccount(user.id);
    return presentUser(user);
  }

  async setRoles(userId: string, roles: Role[]): Promise<Me> {
    const user = await repo.updateUser(this.db, userId, { roles: [...new Set(roles)] });
    if (!user) throw notFound('auth.user_not_found', 'No account has this id.');
    await this.accountChanged(userId);
    this.logger.info({ userId, roles }, 'roles changed');
    return presentUser(user);
  }

  /** Sessions ended (their rows already deleted): see sessionsEnded. */
  private async ended(sessions: readonly repo.EndedSession[], userId: string): Promise<void> {
    await sessionsEnded({ sessions: this.sessions, sockets: this.sockets }, sessions, userId);
  }

  /** The account's roles or verified address changed: see accountChanged. */
  private async accountChanged(userId: string): Promise<void> {
    await accountChanged({ sessions: this.sessions, sockets: this.sockets }, userId);
  }

  /** The account a live verification token is for, locked for this transaction. */
  private async lockAccountOf(tx: Db, token: string): Promise<repo.UserRow> {
    const userId = await repo.verificationAccount(tx, hashSecret(token));
    const account = userId ? await repo.lockUser(tx, userId) : undefined;
    if (!account) throw verificationInvalid();
    return account;
  }

  private async getUser(userId: string): Promise<repo.UserRow> {
    const user = await repo.findUserById(this.db, userId);
    if (!user) throw notFound('auth.user_not_found', 'This account no longer exists.');
    return user;
  }

  private async openSession(user: repo.UserRow, meta: ClientMeta): Promise<SessionGrant> {
    const token = newSecret('fds');
    const expiresAt = new Date(Date.now() + this.config.SESSION_TTL_HOURS * 3600_000);
    const { id: sessionId } = await repo.insertSession(this.db, {
      userId: user.id,
      tokenHash: hashSecret(token),
      expiresAt,
      ...meta,
    });
    const principal: Principal = {
      userId: user.id,
      sessionId,
      email: user.email,
      displayName: user.displayName,
      roles: user.roles as Role[],
      emailVerified: user.emailVerifiedAt !== null,
    };
    await this.sessions.put(hashSecret(token), principal, expiresAt, 'open');
    return { token, expiresAt: expiresAt.toISOString(), user: presentUser(user) };
  }

  private async queueVerification(db: Db, user: repo.UserRow, token: string): Promise<void> {
    await repo.insertVerification(db, {
      tokenHash: hashSecret(token),
      userId: user.id,
      expiresAt: new Date(Date.now() + VERIFICATION_TTL_MS),
    });
    const link = `${this.config.PUBLIC_URL}/verify-email.html#token=${token}`;
    // Whoever registered may not own this mailbox: the mail says whose account it is, and the
    // page it links to asks before confirming, with "This wasn't me" beside it.
    await enqueueEmail(db, this.mailKeys, {
      userId: user.id,
      kind: 'auth.verify_email',
      to: user.email,
      message: {
        title: say('mail:verify.subject'),
        body: [
          say('mail:hello'),
          say('mail:verify.created', { name: user.displayName, created: timeIn('createdAt') }),
          say('mail:verify.confirm', { link }),
          say('mail:verify.notMe'),
          say('mail:verify.validity'),
        ],
      },
      // No zone is known for the reader: the creation time reads in UTC, and says so.
      payload: { token, link, data: { createdAt: user.createdAt.toISOString() } },
    });
  }

  private decoy(): Promise<string> {
    this.decoyHash ??= hashPassword('decoy password that never matches', this.config.PASSWORD_SCRYPT_LOG_N);
    return this.decoyHash;
  }
}
