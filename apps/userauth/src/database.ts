/**
 * Opening the database named by DATABASE_URL: `mysql://` / `mariadb://` through mysql2, or
 * `sqlite:PATH` / `sqlite::memory:` for development and tests. The URL is parsed here rather
 * than by Sequelize so a password from DATABASE_PASSWORD_FILE can be added and so no URL (which
 * may carry a password) ever reaches a log line.
 */
import mysql2 from 'mysql2';
import { Sequelize, type Options } from 'sequelize';
import { ConfigError } from './config.ts';
import type { Logger } from './log.ts';

/** Connection options derived from a DATABASE_URL, without secrets in `describe`. */
export interface DatabaseTarget {
  options: Options;
  /** e.g. `mysql://userauth@db-userauth:3306/userauth` — safe to log. */
  describe: string;
}

/** Turn DATABASE_URL (+ optional password from a file) into Sequelize options. */
export function parseDatabaseUrl(url: string, password?: string): DatabaseTarget {
  if (url.startsWith('sqlite:')) {
    const storage = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') || ':memory:';
    return { options: { dialect: 'sqlite', storage }, describe: `sqlite:${storage}` };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      'DATABASE_URL: not a URL (expected mysql://USER@HOST:PORT/DB or sqlite:PATH)',
    );
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw new ConfigError(
      `DATABASE_URL: unsupported scheme "${parsed.protocol}" (mysql:, mariadb:, sqlite:)`,
    );
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new ConfigError('DATABASE_URL: no database name in the path');
  const urlPassword = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  if (password !== undefined && urlPassword !== undefined && password !== urlPassword) {
    throw new ConfigError(
      'DATABASE_URL carries a password that differs from DATABASE_PASSWORD(_FILE)',
    );
  }
  const username = decodeURIComponent(parsed.username);
  const host = parsed.hostname;
  const port = parsed.port ? Number(parsed.port) : 3306;
  return {
    options: {
      dialect: 'mysql',
      // Handed over rather than looked up by name at run time, so the bundle (build.ts) carries it.
      dialectModule: mysql2,
      host,
      port,
      database,
      username,
      password: password ?? urlPassword ?? '',
      // Enough connections for both cores' worth of concurrent requests plus the migration lock.
      pool: { max: 10, min: 0, idle: 10_000, acquire: 10_000 },
      dialectOptions: { connectTimeout: 5_000, charset: 'utf8mb4' },
      define: { charset: 'utf8mb4' },
    },
    describe: `mysql://${username}@${host}:${port}/${database}`,
  };
}

/** A Sequelize instance that logs nothing (queries carry hashes and personal data). */
export function openDatabase(target: DatabaseTarget): Sequelize {
  return new Sequelize({ ...target.options, logging: false });
}

/**
 * Retry `authenticate()` with capped exponential back-off until it answers or `timeoutMs`
 * passes; the database container may still be starting when the service does.
 */
export async function waitForDatabase(
  db: Sequelize,
  log: Logger,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, 5_000)) {
    try {
      await db.authenticate();
      if (attempt > 1) log.info('database reachable', { attempt });
      return;
    } catch (err) {
      const left = deadline - Date.now();
      // Sequelize wraps driver errors; the parent's code (ECONNREFUSED, ER_ACCESS_DENIED...) is
      // the useful part and never contains the password.
      const parent = (err as { parent?: { code?: string } }).parent;
      log.warn('database not reachable', {
        attempt,
        error: parent?.code ?? (err as Error).name,
        retryInMs: left > 0 ? Math.min(delay, left) : 0,
      });
      if (left <= 0 || signal?.aborted) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
      if (signal?.aborted) throw err;
    }
  }
}
