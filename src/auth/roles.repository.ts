import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import type { Role } from '../shared/vocabulary.js';
import { users } from './auth.table.js';

/**
 * Roles as an operator changes them (`npm run admin`): each change is one conditional UPDATE on
 * the array, so two operators granting at once add the role once, and removing the last admin
 * is refused inside the transaction that would do it.
 */

export interface RoleHolder {
  id: string;
  email: string;
  displayName: string;
  roles: string[];
  createdAt: Date;
}

const holder = {
  id: users.id,
  email: users.email,
  displayName: users.displayName,
  roles: users.roles,
  createdAt: users.createdAt,
};

export async function findRoleHolder(db: Db, email: string): Promise<RoleHolder | undefined> {
  const [row] = await db.select(holder).from(users).where(eq(users.email, email));
  return row;
}

/** Accounts that have the role, by address. */
export async function roleHolders(db: Db, role: Role): Promise<RoleHolder[]> {
  return db
    .select(holder)
    .from(users)
    .where(sql`${role} = any(${users.roles})`)
    .orderBy(asc(users.email));
}

/** Adds the role unless the account has it; undefined when it had it already. */
export async function grantRole(db: Db, userId: string, role: Role): Promise<RoleHolder | undefined> {
  const [row] = await db
    .update(users)
    .set({ roles: sql`array_append(${users.roles}, ${role}::text)`, updatedAt: sql`now()` })
    .where(and(eq(users.id, userId), sql`not (${role} = any(${users.roles}))`))
    .returning(holder);
  return row;
}

/**
 * Removes the role; undefined when the account did not have it. `'last_admin'` when it is the
 * only admin left: the admins are locked first, so two operators demoting the last two admins
 * at once cannot both succeed.
 */
export async function revokeRole(db: Db, userId: string, role: Role): Promise<RoleHolder | 'last_admin' | undefined> {
  return db.transaction(async (tx) => {
    if (role === 'admin') {
      const others = await tx
        .select({ id: users.id })
        .from(users)
        .where(and(sql`'admin' = any(${users.roles})`, ne(users.id, userId)))
        .for('update');
      if (others.length === 0) {
        const [self] = await tx.select({ roles: users.roles }).from(users).where(eq(users.id, userId));
        if (self?.roles.includes('admin')) return 'last_admin';
      }
    }
    const [row] = await tx
      .update(users)
      .set({ roles: sql`array_remove(${users.roles}, ${role}::text)`, updatedAt: sql`now()` })
      .where(and(eq(users.id, userId), sql`${role} = any(${users.roles})`))
      .returning(holder);
    return row;
  });
}
