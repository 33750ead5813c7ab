import type { ServedConfig } from '../config.js';
import type { Db } from '../db/types.js';
import type { Logger } from '../logger.js';
import { DEFAULT_LOCALE, type Locale } from '../i18n/index.js';
import { say } from '../notifications/notice-message.js';
import { enqueueEmail, type EmailMessage } from '../notifications/outbox.repository.js';
import { AppError, notFound } from '../shared/errors.js';
import type { PlatformSigner } from '../shared/signing.js';
import { hashSecret, newSecret } from '../shared/tokens.js';
import { appendTimeline } from '../timeline/timeline.repository.js';
import * as repo from './auth.repository.js';
import type { LoginAttempts } from './login-attempts.js';
import { hashPassword, verifyPassword } from './password.js';
import type { Principal } from './principal.js';
import * as recovery from './recovery.repository.js';
import { accountChanged, sessionsEnded, type SessionEndDeps } from './session-ends.js';

export interface RecoveryDeps extends SessionEndDeps {
  db: Db;
  /** PUBLIC_URL as the server resolved it (ServedConfig): the links in these mails always have an origin. */
  config: Pick<ServedConfig, 'PASSWORD_SCRYPT_LOG_N' | 'PUBLIC_URL'>;
  logger: Logger;
  /** The platform key: seals the mailed links at rest and signs the account's receipts. */
  mailKeys: PlatformSigner;
  /** A reset forgives the failed sign-ins that may have sent its owner here. */
  attempts: Pick<LoginAttempts, 'forgive'>;
}

/** A reset link works for 30 minutes: long enough to open the mail, short enough that an old mailbox copy is dead. */
const RESET_TTL_MS = 30 * 60_000;
/** A change of address waits a day for its confirmation: the new mailbox may be one its owner reads at home. */
const EMAIL_CHANGE_TTL_MS = 24 * 3600_000;

/** One problem for every link that cannot be used, whatever the reason, naming the token as the field. */
function linkInvalid(code: string, detail: string): AppError {
  return new AppError(400, code, detail, {
    errors: [{ in: 'body', field: 'token', code: 'invalid', message: 'is unknown, used or expired' }],
  });
}
const resetLinkInvalid = () =>
  linkInvalid(
    'auth.reset_link_invalid',
    'This password-reset link has expired or was already used. Ask for a new one: it works for 30 minutes, once.',
  );
const emailChangeLinkInvalid = () =>
  linkInvalid(
    'auth.email_change_invalid',
    'This confirmation link has expired or was already used. Ask for the change again from your account page.',
  );

/** "j•••@example.com": enough for the old mailbox's owner to recognise an address, not to read it off a screen. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, Math.min(1, at))}•••${address.slice(at)}`;
}

/**
 * Getting back into an account: a password reset by email, and a change of address confirmed
 * at the new address. Every link is a 256-bit secret stored only as its SHA-256, mailed sealed
 * (src/notifications/outbox.repository.ts), used once. Confirming anything locks the account
 * row before the link's, as confirming an address does, so two uses of one link, or a reset
 * and a change of address at once, wait on each other instead of both winning.
 */
export class RecoveryService {
  constructor(private readonly deps: RecoveryDeps) {}

  /**
   * Mails a reset link to an address with an account, and a "no account here" notice to one
   * without. Either way the same statements run (a lookup, a link row, a sealed mail), in one
   * transaction, and the caller gets the same 202: neither the answer nor its timing says
   * whether the address has an account. Only the mailbox learns it.
   */
  async requestPasswordReset(email: string, locale: Locale = DEFAULT_LOCALE): Promise<void> {
    const { db, mailKeys, logger } = this.deps;
    const token = newSecret('fdr');
    const userId = await db.transaction(async (tx) => {
      const user = await repo.findUserByEmail(tx, email);
      await recovery.insertPasswordReset(tx, {
        tokenHash: hashSecret(token),
        userId: user?.id ?? null,
        expiresAt: new Date(Date.now() + RESET_TTL_MS),
      });
      await enqueueEmail(tx, mailKeys, user ? this.resetMail(user, token) : this.noAccountMail(email, locale));
      return user?.id ?? null;
    });
    logger.info(
      { userId },
      userId ? 'password reset link mailed' : 'password reset asked for an address with no account',
    );
  }

  /**
   * Sets a new password with a mailed link, once. Every session of the account ends (requests
   * at once, sockets on every node), every other open link dies (resets, a change of address),
   * and the address counts as confirmed: the link proved the mailbox.
   */
  async resetPassword(
    input: { token: string; password: string },
    ip: string,
  ): Promise<{ email: string; sessionsEnded: number }> {
    const { db, mailKeys, config, logger } = this.deps;
    // Hashed before the transaction: scrypt's tens of milliseconds are not spent holding the account's lock.
    const passwordHash = await hashPassword(input.password, config.PASSWORD_SCRYPT_LOG_N);
    const tokenHash = hashSecret(input.token);
    const { account, ended } = await db.transaction(async (tx) => {
      const userId = await recovery.passwordResetAccount(tx, tokenHash);
      const account = userId ? await repo.lockUser(tx, userId) : undefined;
      // Under the account's lock: a second use of this link, racing, finds it used.
      if (!account || !(await recovery.consumePasswordReset(tx, tokenHash))) throw resetLinkInvalid();
      await repo.updateUser(tx, account.id, {
        passwordHash,
        emailVerifiedAt: account.emailVerifiedAt ?? new Date(),
      });
      await recovery.retirePasswordResets(tx, account.id);
      await recovery.retireEmailChanges(tx, account.id);
      const ended = await repo.deleteSessionsOf(tx, account.id);
      await appendTimeline(tx, mailKeys, [
        {
          userId: account.id,
          kind: 'account.password_reset',
          subjectType: 'account',
          subjectId: account.id,
          data: { sessionsEnded: ended.length },
        },
      ]);
      await enqueueEmail(tx, mailKeys, this.passwordChangedMail(account));
      return { account, ended };
    });
    await sessionsEnded(this.deps, ended, account.id);
    await this.deps.attempts.forgive(account.email, ip);
    logger.info({ userId: account.id, sessionsEnded: ended.length }, 'password reset');
    return { email: account.email, sessionsEnded: ended.length };
  }

  /**
   * Asks to move the account to a new address: a link to confirm it goes to the new address, a
   * notice to the current one. Nothing changes until the link is used. The answer is the same
   * whether or not another account has the new address; that is said only to whoever opens the
   * link, who owns that mailbox.
   */
  async requestEmailChange(principal: Principal, input: { email: string; password: string }): Promise<void> {
    const { db, mailKeys, logger } = this.deps;
    const user = await repo.findUserById(db, principal.userId);
    if (!user) throw notFound('auth.user_not_found', 'This account no longer exists.');
    if (!(await verifyPassword(input.password, user.passwordHash))) {
      throw new AppError(403, 'auth.password_wrong', 'That is not your current password.', {
        errors: [{ in: 'body', field: 'password', code: 'wrong', message: 'is not your current password' }],
      });
    }
    if (input.email === user.email) {
      throw new AppError(422, 'auth.email_unchanged', 'This is already your address.', {
        errors: [{ in: 'body', field: 'email', code: 'unchanged', message: 'is already your address' }],
      });
    }
    const token = newSecret('fde');
    await db.transaction(async (tx) => {
      await recovery.insertEmailChange(tx, {
        tokenHash: hashSecret(token),
        userId: user.id,
        newEmail: input.email,
        expiresAt: new Date(Date.now() + EMAIL_CHANGE_TTL_MS),
      });
      await enqueueEmail(tx, mailKeys, this.confirmNewAddressMail(user, input.email, token));
      await enqueueEmail(tx, mailKeys, this.changeNoticeMail(user, input.email));
    });
    logger.info({ userId: user.id }, 'change of address asked; confirmation mailed to the new address');
  }

  /**
   * The new address's owner confirms it: the account takes it, confirmed; the account's other
   * open links die (they went to the old address), and its sessions and sockets pick up the new
   * address. A 409 when another account has the address by now; the link then stays usable.
   */
  async confirmEmailChange(token: string): Promise<{ email: string }> {
    const { db, mailKeys, logger } = this.deps;
    const tokenHash = hashSecret(token);
    const { userId, email } = await db.transaction(async (tx) => {
      const userId = await recovery.emailChangeAccount(tx, tokenHash);
      const account = userId ? await repo.lockUser(tx, userId) : undefined;
      const email = account ? await recovery.consumeEmailChange(tx, tokenHash) : undefined;
      if (!account || !email) throw emailChangeLinkInvalid();
      await recovery.setConfirmedEmail(tx, account.id, email);
      await recovery.retireEmailChanges(tx, account.id);
      await recovery.retirePasswordResets(tx, account.id);
      await repo.retireVerifications(tx, account.id);
      await appendTimeline(tx, mailKeys, [
        { userId: account.id, kind: 'account.email_changed', subjectType: 'account', subjectId: account.id },
      ]);
      return { userId: account.id, email };
    });
    await accountChanged(this.deps, userId);
    logger.info({ userId }, 'address changed');
    return { email };
  }

  private link(page: string, token: string): string {
    // In the fragment: the token never reaches a server log or a Referer header.
    return `${this.deps.config.PUBLIC_URL}/${page}#token=${token}`;
  }

  private resetMail(user: repo.UserRow, token: string): EmailMessage {
    const link = this.link('reset-password.html', token);
    return {
      userId: user.id,
      kind: 'auth.password_reset',
      to: user.email,
      message: {
        title: say('mail:reset.subject'),
        body: [
          say('mail:helloName', { name: user.displayName }),
          say('mail:reset.asked', { link }),
          say('mail:reset.validity'),
          say('mail:reset.notYou'),
        ],
      },
      payload: { token, link },
    };
  }

  private noAccountMail(email: string, locale: Locale): EmailMessage {
    return {
      userId: null,
      kind: 'auth.password_reset_no_account',
      to: email,
      message: {
        title: say('mail:resetNoAccount.subject'),
        body: [
          say('mail:hello'),
          say('mail:resetNoAccount.asked', { link: `${this.deps.config.PUBLIC_URL}/account.html` }),
          say('mail:resetNoAccount.notYou'),
        ],
        // No account, so no account's language: the mail is in the language the reset was asked in.
        locale,
      },
    };
  }

  private passwordChangedMail(user: repo.UserRow): EmailMessage {
    return {
      userId: user.id,
      kind: 'auth.password_changed',
      to: user.email,
      message: {
        title: say('mail:passwordChanged.subject'),
        body: [
          say('mail:helloName', { name: user.displayName }),
          say('mail:passwordChanged.changed'),
          say('mail:passwordChanged.notYou', { link: `${this.deps.config.PUBLIC_URL}/reset-password.html` }),
        ],
      },
    };
  }

  private confirmNewAddressMail(user: repo.UserRow, email: string, token: string): EmailMessage {
    const link = this.link('confirm-email.html', token);
    return {
      userId: user.id,
      kind: 'auth.email_change_confirm',
      to: email,
      message: {
        title: say('mail:emailChange.subject'),
        body: [
          say('mail:helloName', { name: user.displayName }),
          say('mail:emailChange.confirm', { link }),
          say('mail:emailChange.validity'),
          say('mail:emailChange.notYou'),
        ],
      },
      payload: { token, link },
    };
  }

  private changeNoticeMail(user: repo.UserRow, email: string): EmailMessage {
    return {
      userId: user.id,
      kind: 'auth.email_change_notice',
      to: user.email,
      message: {
        title: say('mail:emailChangeNotice.subject'),
        body: [
          say('mail:helloName', { name: user.displayName }),
          say('mail:emailChangeNotice.asked', { address: maskEmail(email) }),
          say('mail:emailChangeNotice.notYou', { link: `${this.deps.config.PUBLIC_URL}/reset-password.html` }),
        ],
      },
    };
  }
}
