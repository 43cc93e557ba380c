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
import {
  identityOf,
  isLocalProvider,
  lookupOf,
  normalizeProvider,
  type Identity,
} from './identity.ts';
import { defineUserModel, type UserRow } from './user-model.ts';
import {
  InputError,
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
  /**
   * Return the user `input` names (for its provider: see identity.ts), creating it when missing.
   * A provider account never stores the password sent with it.
   */
  findOrCreate(input: FindOrCreateInput): Promise<{ user: PublicUser; created: boolean }>;
  /** The named user; a bare handle finds a provider account for old clients (see identity.ts). */
  find(username: string): Promise<PublicUser | undefined>;
  /** Delete the named user; false when there was none. */
  destroy(username: string): Promise<boolean>;
  list(): Promise<PublicUser[]>;
  /**
   * True only for an existing user with a password that matches; upgrades old hashes. Provider
   * accounts have no password (unless one was set explicitly): they fail like a wrong password.
   */
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

  // Reads on the hot paths (find, passwordCheck) skip model instances: less CPU per request.
  // One fixed statement instead of findOne(): Sequelize's query building (option cloning, hooks)
  // was the largest CPU cost of GET /find after the socket writes.
  const columns =
    'SELECT id, username, username_key AS usernameKey, password_hash AS passwordHash, provider,' +
    ' family_name AS familyName, given_name AS givenName, middle_name AS middleName, emails, photos' +
    ' FROM users';
  const findSql = `${columns} WHERE username_key = ? LIMIT 1`;
  const findByHandleSql = `${columns} WHERE handle_key = ? LIMIT 2`;
  const selectPlain = (sql: string, value: string) =>
    db.query<UserFields>(sql, { replacements: [value], type: QueryTypes.SELECT });
  const findByKey = async (key: string): Promise<UserFields | null> =>
    (await selectPlain(findSql, key))[0] ?? null;
  /** The account a name in a path means exactly: a local name, or a qualified one. */
  const findExact = async (username: string): Promise<UserFields | null> => {
    const lookup = lookupOf(username);
    return lookup?.key ? findByKey(lookup.key) : null;
  };

  /** The identity of a validated body (the schemas checked it already). */
  const identityOfInput = (input: {
    username: string;
    provider?: string | undefined;
  }): Identity => {
    const provider = normalizeProvider(input.provider);
    const identity =
      typeof provider === 'string' ? identityOf(input.username, provider) : undefined;
    if (!identity || !('key' in identity)) throw new InputError('username: is not valid');
    return identity;
  };

  const insert = async (
    identity: Identity,
    input: FindOrCreateInput,
    password: string | undefined,
  ) =>
    Users.create({
      username: identity.username,
      usernameKey: identity.key,
      handleKey: identity.handleKey,
      passwordHash: password ? await hashPassword(password, params) : null,
      provider: identity.provider,
      familyName: input.familyName ?? '',
      givenName: input.givenName ?? '',
      middleName: input.middleName ?? '',
      emails: JSON.stringify(input.emails ?? []),
      photos: JSON.stringify(input.photos ?? []),
    });

  const taken = (username: string) => new HttpError(409, `username "${username}" is already taken`);

  return {
    async create(input) {
      const identity = identityOfInput(input);
      // Cheap check first so a duplicate does not pay for a hash; the UNIQUE index decides races.
      if (await findByKey(identity.key)) throw taken(identity.username);
      try {
        return toPublicUser(await insert(identity, input, input.password));
      } catch (err) {
        if (err instanceof UniqueConstraintError) throw taken(identity.username);
        throw err;
      }
    },

    async update(username, input) {
      const lookup = lookupOf(username);
      const row = lookup?.key ? await Users.findOne({ where: { usernameKey: lookup.key } }) : null;
      if (!row) return undefined;
      const local = isLocalProvider(row.provider);
      if (input.username !== undefined) {
        const sent = input.username.toLowerCase();
        if (sent !== row.usernameKey && (local || sent !== row.handleKey))
          throw new HttpError(400, 'username: cannot be changed (it names the user in the path)');
      }
      if (input.provider !== undefined) {
        const provider = normalizeProvider(input.provider);
        if (provider !== (local ? 'local' : row.provider))
          throw new HttpError(400, 'provider: cannot be changed (it is part of who the user is)');
      }
      if (input.password !== undefined) {
        // A provider account gets a local password only when the caller says so (issue 22).
        if (!local && input.allowLocalPassword !== true) {
          throw new HttpError(
            400,
            `password: a ${row.provider} account has no password; send allowLocalPassword: true to set one`,
          );
        }
        row.passwordHash = await hashPassword(input.password, params);
      }
      if (input.familyName !== undefined) row.familyName = input.familyName;
      if (input.givenName !== undefined) row.givenName = input.givenName;
      if (input.middleName !== undefined) row.middleName = input.middleName;
      if (input.emails !== undefined) row.emails = JSON.stringify(input.emails);
      if (input.photos !== undefined) row.photos = JSON.stringify(input.photos);
      await row.save();
      return toPublicUser(row);
    },

    async findOrCreate(input) {
      const identity = identityOfInput(input);
      const existing = await findByKey(identity.key);
      if (existing) return { user: toPublicUser(existing), created: false };
      // Provider accounts never keep a password sent here (old clients send `password: ""`).
      const password = identity.provider === 'local' ? input.password : undefined;
      try {
        return { user: toPublicUser(await insert(identity, input, password)), created: true };
      } catch (err) {
        // Another request created it between our lookup and insert: theirs is the user.
        if (!(err instanceof UniqueConstraintError)) throw err;
        const winner = await findByKey(identity.key);
        if (!winner) throw err;
        return { user: toPublicUser(winner), created: false };
      }
    },

    async find(username) {
      const lookup = lookupOf(username);
      if (!lookup) return undefined;
      const row = lookup.key ? await findByKey(lookup.key) : null;
      if (row) return toPublicUser(row);
      if (!lookup.handleKey) return undefined;
      // Old clients (issue 22) look provider accounts up by their bare handle: only when no local
      // account has that name (checked just above) and exactly one provider has that handle.
      const rows = await selectPlain(findByHandleSql, lookup.handleKey);
      return rows.length === 1 && rows[0] ? toPublicUser(rows[0]) : undefined;
    },

    async destroy(username) {
      const lookup = lookupOf(username);
      if (!lookup?.key) return false;
      const count = await Users.destroy({ where: { usernameKey: lookup.key } });
      return count > 0;
    },

    async list() {
      const rows = await Users.findAll({ order: [['usernameKey', 'ASC']], raw: true });
      return rows.map(toPublicUser);
    },

    async checkPassword(username, password) {
      // Exact names only: a bare handle never reaches a provider account here.
      const row = await findExact(username);
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
