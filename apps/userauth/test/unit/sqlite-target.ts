/**
 * The app in-process on SQLite, driven through `app.callback()` with light-my-request: no port.
 */
import { inject } from 'light-my-request';
import { QueryTypes } from 'sequelize';
import { createApp } from '../../src/app.ts';
import { openDatabase, parseDatabaseUrl } from '../../src/database.ts';
import { silentLogger, type Logger } from '../../src/log.ts';
import { migrate } from '../../src/migrate.ts';
import type { CheckLimiter } from '../../src/rate-limit.ts';
import { createUserStore } from '../../src/users.ts';
import type { ContractTarget } from '../contract.ts';

/** Options for an in-process app. */
export interface SqliteAppOptions {
  scryptLogN?: number;
  log?: Logger;
  /** Rate limit of /passwordCheck (default: the production limits). */
  checkLimiter?: CheckLimiter;
}

/** A migrated in-memory SQLite database with the app on top of it. */
export async function startSqliteApp(options: SqliteAppOptions = {}) {
  const db = openDatabase(parseDatabaseUrl('sqlite::memory:'));
  const log = options.log ?? silentLogger;
  await migrate(db, log);
  const users = createUserStore(db, {
    log,
    ...(options.scryptLogN ? { scryptLogN: options.scryptLogN } : {}),
  });
  const apiUser = 'them';
  const apiKey = 'unit-test-key';
  const app = createApp({
    apiUser,
    apiKey,
    getUsers: () => users,
    log,
    ...(options.checkLimiter ? { checkLimiter: options.checkLimiter } : {}),
  });
  const handler = app.callback();
  const send = async (
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
    remoteAddress?: string,
  ): ReturnType<ContractTarget['send']> => {
    const res = await inject((req, res) => void handler(req, res), {
      method: method as 'GET',
      url: path,
      headers,
      ...(remoteAddress ? { remoteAddress } : {}),
      ...(body !== undefined ? { payload: body } : {}),
    });
    return {
      status: res.statusCode,
      headers: res.headers as Record<string, string>,
      text: res.payload,
    };
  };
  return { db, users, app, apiUser, apiKey, send };
}

/** The contract target over startSqliteApp. */
export async function sqliteTarget(): Promise<ContractTarget> {
  const t = await startSqliteApp();
  return {
    apiUser: t.apiUser,
    apiKey: t.apiKey,
    send: t.send,
    async rawUsersTable() {
      const rows = await t.db.query('SELECT * FROM users', { type: QueryTypes.SELECT });
      return JSON.stringify(rows);
    },
    async storedHash(username) {
      const rows = await t.db.query<{ password_hash: string | null }>(
        'SELECT password_hash FROM users WHERE username = ?',
        { replacements: [username], type: QueryTypes.SELECT },
      );
      return rows[0]?.password_hash ?? null;
    },
    async breakDatabase() {
      await t.db.query('DROP TABLE users');
    },
    async teardown() {
      await t.db.close();
    },
  };
}
