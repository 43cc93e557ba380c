/**
 * The server's start-up (run by server.ts, the process entry): read the configuration, listen at once (so /health can say 503 while the
 * database is still coming up), connect with back-off, migrate under a lock, then serve.
 * SIGTERM/SIGINT close the listener, drop idle keep-alive connections, give in-flight requests
 * a short grace, close the pool and exit 0.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openDatabase, parseDatabaseUrl, waitForDatabase } from './database.ts';
import { createLogger } from './log.ts';
import { migrate } from './migrate.ts';
import { createCheckLimiter } from './rate-limit.ts';
import { createUserStore, type UserStore } from './users.ts';

const SHUTDOWN_GRACE_MS = 500;

export async function main(): Promise<void> {
  const log = createLogger();
  let config: Config;
  let target: ReturnType<typeof parseDatabaseUrl>;
  try {
    config = loadConfig();
    target = parseDatabaseUrl(config.databaseUrl, config.databasePassword);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`userauth: configuration error: ${err.message}\n`);
    process.exit(2);
  }
  if (config.apiKeyGenerated) {
    // Development convenience only (loadConfig refuses this in production); printed once.
    process.stderr.write(
      `userauth: USERAUTH_API_KEY is not set; generated a key for this run: ${config.apiKey}\n`,
    );
  }

  const db = openDatabase(target);
  // Filled in once the database is migrated; until then the app answers 503.
  const ready: { users?: UserStore } = {};
  const app = createApp({
    apiUser: config.apiUser,
    apiKey: config.apiKey,
    getUsers: () => ready.users,
    log,
    checkLimiter: createCheckLimiter(config.checkLimits),
  });
  const handle = app.callback();
  const server = createServer((req, res) => void handle(req, res));
  // Aborted by the first signal: stops the start-up retries and marks the process as stopping.
  const stopping = new AbortController();

  const shutdown = async (signal: string) => {
    if (stopping.signal.aborted) return;
    stopping.abort();
    log.info('shutting down', { signal });
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // In-flight requests get a short grace; whatever is left after that is cut.
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    await closed;
    clearTimeout(force);
    await db.close().catch(() => undefined);
    log.info('stopped');
    log.flush();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  log.info('listening', { host: address.address, port: address.port, database: target.describe });

  try {
    await waitForDatabase(db, log, config.dbConnectTimeoutMs, stopping.signal);
    await migrate(db, log);
  } catch (err) {
    if (stopping.signal.aborted) return;
    log.error('start-up failed', { error: (err as Error).name, message: (err as Error).message });
    log.flush();
    process.exit(1);
  }
  ready.users = createUserStore(db, { log, scryptLogN: config.scryptLogN });
  log.info('ready', { scryptLogN: config.scryptLogN });
}
