import type { Db } from '../db/types.js';
import type { Logger } from '../logger.js';
import type { Broadcaster } from '../realtime/broadcaster.js';
import { AppError, conflict, notFound } from '../shared/errors.js';
import type { Role } from '../shared/vocabulary.js';
import { insertUser } from './auth.repository.js';
import { hashPassword } from './password.js';
import * as repo from './roles.repository.js';
import type { SessionCache } from './session-cache.js';

export type { RoleHolder } from './roles.repository.js';

export interface RoleAdminDeps {
  db: Db;
  /** Sessions of a changed account are read again from Postgres on their next request, on every node. */
  sessions: Pick<SessionCache, 'forgetAccount'>;
  /** Its sockets reconnect with the new roles. */
  sockets: Pick<Broadcaster, 'disconnectUser'>;
  logger: Logger;
  scryptLogN: number;
}

export interface RoleChange {
  /** `unchanged`: the account had (or lacked) the role already; running the command again is harmless. */
  outcome: 'granted' | 'revoked' | 'unchanged';
  account: repo.RoleHolder;
}

const noAccount = (email: string) =>
  notFound('auth.user_not_found', `No account has the address ${email}: they register first, then get the role.`);

/**
 * What an operator does from the command line (`npm run admin`), where no admin exists yet to
 * do it through the API: create the first admin, give and take roles by address. A role change
 * takes effect at once, as PUT /v1/users/:id/roles does: the account's cached sessions are
 * dropped and its sockets disconnected, so the next request is judged by the new roles.
 */
export class RoleAdmin {
  constructor(private readonly deps: RoleAdminDeps) {}

  /**
   * An admin account with this address and password, its address taken as confirmed (the
   * operator vouches for it). When the address has an account already, that account becomes an
   * admin and keeps its password.
   */
  async createAdmin(input: {
    email: string;
    displayName: string;
    password: string;
  }): Promise<{ created: boolean } & RoleChange> {
    if (!(await repo.findRoleHolder(this.deps.db, input.email))) {
      const passwordHash = await hashPassword(input.password, this.deps.scryptLogN);
      try {
        const user = await insertUser(this.deps.db, {
          email: input.email,
          displayName: input.displayName,
          passwordHash,
          roles: ['fan', 'admin'],
          emailVerifiedAt: new Date(),
        });
        this.deps.logger.info({ userId: user.id, roles: user.roles, by: 'operator' }, 'admin account created');
        return { created: true, outcome: 'granted', account: (await repo.findRoleHolder(this.deps.db, input.email))! };
      } catch (err) {
        // Registered between the look-up and the insert: that account is the one to promote.
        if (!(err instanceof AppError && err.code === 'auth.email_taken')) throw err;
      }
    }
    return { created: false, ...(await this.grant(input.email, 'admin')) };
  }

  async grant(email: string, role: Role): Promise<RoleChange> {
    const account = await repo.findRoleHolder(this.deps.db, email);
    if (!account) throw noAccount(email);
    const changed = await repo.grantRole(this.deps.db, account.id, role);
    if (!changed) return { outcome: 'unchanged', account };
    await this.changed(changed, { granted: role });
    return { outcome: 'granted', account: changed };
  }

  /** Takes the role away; the last admin keeps theirs (someone must be able to grant it again). */
  async revoke(email: string, role: Role): Promise<RoleChange> {
    const account = await repo.findRoleHolder(this.deps.db, email);
    if (!account) throw noAccount(email);
    const changed = await repo.revokeRole(this.deps.db, account.id, role);
    if (changed === 'last_admin')
      throw conflict('auth.last_admin', `${email} is the only admin: make another account an admin first.`);
    if (!changed) return { outcome: 'unchanged', account };
    await this.changed(changed, { revoked: role });
    return { outcome: 'revoked', account: changed };
  }

  list(role: Role): Promise<repo.RoleHolder[]> {
    return repo.roleHolders(this.deps.db, role);
  }

  private async changed(account: repo.RoleHolder, change: { granted: Role } | { revoked: Role }): Promise<void> {
    await this.deps.sessions.forgetAccount(account.id);
    this.deps.sockets.disconnectUser(account.id);
    this.deps.logger.info({ userId: account.id, roles: account.roles, ...change, by: 'operator' }, 'roles changed');
  }
}
