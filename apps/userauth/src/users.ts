/**
 * The user store: every operation the REST API offers, over the `users` table. Only this file
 * sees password hashes; everything it returns is a PublicUser.
 */
import { QueryTypes, UniqueConstraintError, type Sequelize } from 'sequelize';
import { HttpError } from './errors.ts';
import type { Logger } from './log.ts';
import {
  hashPassword,
  needsRehash,
  scryptParams,
  verifyPassword,
  type ScryptParams,
} from './password.ts';
import { defineUserModel, type UserRow } from './user-model.ts';
import {
  isValidUsername,
  usernameKey,
  type CreateUserInput,
  type FindOrCreateInput,
  type UpdateUserInput,
} from './user-input.ts';

/** A user as the API returns it: no password, no hash, arrays as arrays. */
export interface PublicUser {
  id: string;
  username: string;
  provider: string;
  familyName: string;
  givenName: string;
  middleName: string;
  emails: string[];
  photos: string[];
}

/** Operations behind the REST routes. */
export interface UserStore {
  /** Create a user; throws HttpError 409 when the name is taken (in any letter case). */
  create(input: CreateUserInput): Promise<PublicUser>;
  /** Update the named user; undefined when there is none. */
  update(username: string, input: UpdateUserInput): Promise<PublicUser | undefined>;
  /** Return the named user, creating it from `input` when missing. */
  findOrCreate(input: FindOrCreateInput): Promise<{ user: PublicUser; created: boolean }>;
  find(username: string): Promise<PublicUser | undefined>;
  /** Delete the named user; false when there was none. */
  destroy(username: string): Promise<boolean>;
  list(): Promise<PublicUser[]>;
  /** True only for an existing user with a password that matches; upgrades old hashes. */
  checkPassword(username: string, password: string): Promise<boolean>;
  /** Resolve when the database answers a trivial query. */
  ping(): Promise<void>;
}

const parseList = (json: string): string[] => {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
};

/** The columns of a row as plain data (what `raw: true` queries return). */
export type UserFields = Pick<
  UserRow,
  | 'id'
  | 'username'
  | 'usernameKey'
  | 'passwordHash'
  | 'provider'
  | 'familyName'
  | 'givenName'
  | 'middleName'
  | 'emails'
  | 'photos'
>;

/** The public view of a row. */
export function toPublicUser(row: UserFields): PublicUser {
  return {
    id: row.username,
    username: row.username,
    provider: row.provider,
    familyName: row.familyName,
    givenName: row.givenName,
    middleName: row.middleName,
    emails: parseList(row.emails),
    photos: parseList(row.photos),
  };
}

/** Options of the store. */
export interface UserStoreOptions {
  log: Logger;
  /** Cost of new hashes (log2 N); defaults to DEFAULT_SCRYPT_LOG_N. */
  scryptLogN?: number;
}

/** A UserStore over a migrated database. */
export function createUserStore(db: Sequelize, options: UserStoreOptions): UserStore {
  const Users = defineUserModel(db);
  const params: ScryptParams = scryptParams(options.scryptLogN);
  // Unknown users are checked against this hash so they take as long as real ones.
  let dummyHash: Promise<string> | undefined;
  const getDummyHash = () => (dummyHash ??= hashPassword(`dummy-${Math.random()}`, params));

  const findRow = (username: string) =>
    isValidUsername(username)
      ? Users.findOne({ where: { usernameKey: usernameKey(username) } })
      : Promise.resolve(null);
  // Reads on the hot paths (find, passwordCheck) skip model instances: less CPU per request.
  // One fixed statement instead of findOne(): Sequelize's query building (option cloning, hooks)
  // was the largest CPU cost of GET /find after the socket writes.
  const findSql =
    'SELECT id, username, username_key AS usernameKey, password_hash AS passwordHash, provider,' +
    ' family_name AS familyName, given_name AS givenName, middle_name AS middleName, emails, photos' +
    ' FROM users WHERE username_key = ? LIMIT 1';
  const findPlain = async (username: string): Promise<UserFields | null> => {
    if (!isValidUsername(username)) return null;
    const rows = await db.query<UserFields>(findSql, {
      replacements: [usernameKey(username)],
      type: QueryTypes.SELECT,
    });
    return rows[0] ?? null;
  };

  const insert = async (input: FindOrCreateInput) =>
    Users.create({
      username: input.username,
      usernameKey: usernameKey(input.username),
      passwordHash: input.password ? await hashPassword(input.password, params) : null,
      provider: input.provider ?? 'local',
      familyName: input.familyName ?? '',
      givenName: input.givenName ?? '',
      middleName: input.middleName ?? '',
      emails: JSON.stringify(input.emails ?? []),
      photos: JSON.stringify(input.photos ?? []),
    });

  const taken = (username: string) => new HttpError(409, `username "${username}" is already taken`);

  return {
    async create(input) {
      // Cheap check first so a duplicate does not pay for a hash; the UNIQUE index decides races.
      if (await findPlain(input.username)) throw taken(input.username);
      try {
        return toPublicUser(await insert(input));
      } catch (err) {
        if (err instanceof UniqueConstraintError) throw taken(input.username);
        throw err;
      }
    },

    async update(username, input) {
      const row = await findRow(username);
      if (!row) return undefined;
      if (input.username !== undefined && usernameKey(input.username) !== row.usernameKey) {
        throw new HttpError(400, 'username: cannot be changed (it names the user in the path)');
      }
      if (input.password !== undefined)
        row.passwordHash = await hashPassword(input.password, params);
      if (input.provider !== undefined) row.provider = input.provider;
      if (input.familyName !== undefined) row.familyName = input.familyName;
      if (input.givenName !== undefined) row.givenName = input.givenName;
      if (input.middleName !== undefined) row.middleName = input.middleName;
      if (input.emails !== undefined) row.emails = JSON.stringify(input.emails);
      if (input.photos !== undefined) row.photos = JSON.stringify(input.photos);
      await row.save();
      return toPublicUser(row);
    },

    async findOrCreate(input) {
      const existing = await findPlain(input.username);
      if (existing) return { user: toPublicUser(existing), created: false };
      try {
        return { user: toPublicUser(await insert(input)), created: true };
      } catch (err) {
        // Another request created it between our lookup and insert: theirs is the user.
        if (!(err instanceof UniqueConstraintError)) throw err;
        const winner = await findPlain(input.username);
        if (!winner) throw err;
        return { user: toPublicUser(winner), created: false };
      }
    },

    async find(username) {
      const row = await findPlain(username);
      return row ? toPublicUser(row) : undefined;
    },

    async destroy(username) {
      if (!isValidUsername(username)) return false;
      const count = await Users.destroy({ where: { usernameKey: usernameKey(username) } });
      return count > 0;
    },

    async list() {
      const rows = await Users.findAll({ order: [['usernameKey', 'ASC']], raw: true });
      return rows.map(toPublicUser);
    },

    async checkPassword(username, password) {
      const row = await findPlain(username);
      if (!row?.passwordHash) {
        await verifyPassword(password, await getDummyHash());
        return false;
      }
      const ok = await verifyPassword(password, row.passwordHash);
      if (ok && needsRehash(row.passwordHash, params)) {
        try {
          const upgraded = await hashPassword(password, params);
          // Only if nobody changed the password meanwhile.
          await Users.update(
            { passwordHash: upgraded },
            { where: { id: row.id, passwordHash: row.passwordHash } },
          );
          options.log.info('password hash upgraded', { username: row.username });
        } catch (err) {
          // The check itself succeeded; the upgrade is retried on the next login.
          options.log.warn('password hash upgrade failed', { error: (err as Error).name });
        }
      }
      return ok;
    },

    async ping() {
      await db.query('SELECT 1', { type: QueryTypes.SELECT });
    },
  };
}
