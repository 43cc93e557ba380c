/**
 * The Sequelize connection: MariaDB (mysql2) in production, SQLite for development and tests.
 * SQLite's driver (`sqlite3`) is deliberately not a dependency of this app — it comes from the
 * repository root in development so the Docker image never compiles it.
 */
import mysql2 from 'mysql2';
import { Sequelize, Transaction, type Options } from 'sequelize';
import { log, redactUrl } from '../log.ts';

/** Options the app passes when opening the database. */
export interface DatabaseOptions {
  url: string;
  /** Replaces any password in `url` (from DATABASE_PASSWORD_FILE). */
  password?: string | undefined;
  /** Called with every SQL statement the app runs (tests count queries with it). */
  onQuery?: ((sql: string) => void) | undefined;
  poolMax?: number;
}

/** Open (lazily) a Sequelize instance for a `mysql://` or `sqlite:` URL. */
export function openDatabase(options: DatabaseOptions): Sequelize {
  const logging = options.onQuery ? (sql: string): void => options.onQuery?.(sql) : false;
  if (options.url.startsWith('sqlite:')) {
    return new Sequelize({
      dialect: 'sqlite',
      storage: options.url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, ''),
      logging,
      // Several connections (one per transaction, or two app instances in a test) share the file;
      // Sequelize retries SQLITE_BUSY statements instead of failing the request.
      retry: { max: 30, match: [/SQLITE_BUSY/] },
    });
  }
  const url = new URL(options.url);
  const mysqlOptions: Options = {
    dialect: 'mysql',
    // Handed over rather than looked up by name at run time, so the bundle (build.ts) carries it.
    dialectModule: mysql2,
    host: url.hostname,
    port: url.port === '' ? 3306 : Number(url.port),
    username: decodeURIComponent(url.username),
    password: options.password ?? decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')),
    logging,
    timezone: '+00:00',
    pool: { max: options.poolMax ?? 10, min: 0, idle: 10_000, acquire: 10_000, evict: 5_000 },
    dialectOptions: { connectTimeout: 5_000, charset: 'utf8mb4' },
  };
  return new Sequelize(mysqlOptions);
}

/** True for the SQLite dialect (no GET_LOCK, single writer). */
export function isSqlite(sequelize: Sequelize): boolean {
  return sequelize.getDialect() === 'sqlite';
}

/**
 * Start a write transaction. SQLite takes the write lock up front (IMMEDIATE) so two writers
 * queue instead of failing with a snapshot error; MariaDB ignores the type.
 */
export function beginWrite(sequelize: Sequelize): Promise<Transaction> {
  return isSqlite(sequelize)
    ? sequelize.transaction({ type: Transaction.TYPES.IMMEDIATE })
    : sequelize.transaction();
}

/**
 * Connect, retrying with back-off while the database is still coming up (containers start in
 * any order). Gives up after `deadlineMs` with the last error.
 */
export async function connectWithRetry(
  sequelize: Sequelize,
  url: string,
  deadlineMs = 60_000,
  isStopping: () => boolean = () => false,
): Promise<void> {
  const started = Date.now();
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      await sequelize.authenticate({ logging: false });
      if (isSqlite(sequelize)) {
        // WAL lets readers (the event poller of another instance) run beside one writer.
        await sequelize.query('PRAGMA journal_mode=WAL', { logging: false });
      }
      log.info('database connected', { url: redactUrl(url), attempt });
      return;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (isStopping() || Date.now() - started + delay > deadlineMs) throw error;
      log.warn('database not ready, retrying', {
        url: redactUrl(url),
        attempt,
        delay,
        error: message,
      });
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5_000);
    }
  }
}
