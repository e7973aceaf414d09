/** @module Users in the database. The only module that knows table and column names. */
import { isUniqueViolation } from '@mesh-stack/service-kit';
import type { Kysely } from 'kysely';
import type { User } from './schemas.ts';

export interface UsersTable {
  id: string;
  email: string;
  email_normalized: string;
  name: string;
  created_at: string;
}

export interface UserTables {
  users: UsersTable;
}

export interface UserRepository {
  /** Stores a user; `email_taken` when another user has the same email, ignoring case. */
  create(user: User): Promise<'created' | 'email_taken'>;
  findById(id: string): Promise<User | undefined>;
  /** Newest first, starting after `afterId` (exclusive) when given. */
  list(options: { limit: number; afterId: string | undefined }): Promise<User[]>;
}

export const normalizeEmail = (email: string): string => email.toLowerCase();

const toUser = (row: UsersTable): User => ({ id: row.id, email: row.email, name: row.name, createdAt: row.created_at });

export const createUserRepository = (db: Kysely<UserTables>): UserRepository => ({
  async create(user) {
    try {
      await db
        .insertInto('users')
        .values({
          id: user.id,
          email: user.email,
          email_normalized: normalizeEmail(user.email),
          name: user.name,
          created_at: user.createdAt,
        })
        .execute();
      return 'created';
    } catch (error) {
      // The unique index decides, not a prior SELECT: two concurrent sign-ups with one email cannot both win.
      if (isUniqueViolation(error)) return 'email_taken';
      throw error;
    }
  },

  async findById(id) {
    const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  },

  async list({ limit, afterId }) {
    let query = db.selectFrom('users').selectAll().orderBy('id', 'desc').limit(limit);
    if (afterId !== undefined) {
      query = query.where('id', '<', afterId);
    }
    return (await query.execute()).map(toUser);
  },
});
