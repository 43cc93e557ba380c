/**
 * Start and stop one notes replica: listen first (so /health can answer 503 while the database
 * comes up), then connect with retry, migrate under the lock, load revocations, start the event
 * poller, and only then accept page requests. `close()` is the graceful shutdown.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type { Sequelize } from 'sequelize';
import { createApp, type Readiness } from './app.ts';
import type { Config } from './config.ts';
import { connectWithRetry, openDatabase } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { defineModels } from './db/models.ts';
import { createStore, type Store } from './db/store.ts';
import type { ChangeEvent } from './live/events.ts';
import { LiveHub } from './live/hub.ts';
import { EventPoller } from './live/poller.ts';
import { log } from './log.ts';
import { Revocations } from './session.ts';
import { loadAssets } from './static.ts';
import { createUserauthClient } from './userauth-client.ts';
import { createViews } from './views.ts';
import { createLoginProviders } from './login/providers.ts';

/** Knobs for tests and benchmarks. */
export interface BootOptions {
  /** Sees every SQL statement of requests (the poller's are not logged). */
  onQuery?: (sql: string) => void;
  pollIntervalMs?: number;
  connectDeadlineMs?: number;
}

/** A running replica. */
export interface Notes {
  url: string;
  port: number;
  server: Server;
  app: Koa;
  sequelize: Sequelize;
  store: Store;
  readiness: Readiness;
  /** Resolves when the database is ready (rejects when it never became ready). */
  ready: Promise<void>;
  /** Graceful shutdown: stop accepting, end live streams, finish in-flight requests, close the pool. */
  close(): Promise<void>;
}

/** Start a replica with `config`. */
export async function startNotes(config: Config, options: BootOptions = {}): Promise<Notes> {
  const sequelize = openDatabase({
    url: config.databaseUrl,
    password: config.databasePassword,
    onQuery: options.onQuery,
  });
  const models = defineModels(sequelize);
  const hub = new LiveHub();
  const revocations = new Revocations();
  const readiness: Readiness = { ready: false, stopping: false };
  const deliver = (event: ChangeEvent): void => {
    if (event.kind === 'session-revoked')
      revocations.add(event.data.sid, new Date(event.data.expiresAt));
    else hub.publish(event);
  };
  const store = createStore(sequelize, models, () => poller.kick());
  const poller = new EventPoller(store, deliver, { intervalMs: options.pollIntervalMs ?? 300 });
  const assets = loadAssets();
  const app = createApp({
    config,
    store,
    userauth: createUserauthClient({
      baseUrl: config.userServiceUrl,
      apiUser: config.userauthApiUser,
      apiKey: config.userauthApiKey,
    }),
    hub,
    cursor: () => poller.cursor,
    revocations,
    readiness,
    views: createViews(assets),
    assets,
    loginProviders: createLoginProviders(config.loginProviders),
  });

  const handle = app.callback();
  const server = createServer((req, res) => void handle(req, res));
  // Slow clients cannot hold a request forever; SSE turns its own socket timeout off.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  log.info('listening', { host: config.host, port });

  const ready = (async () => {
    await connectWithRetry(
      sequelize,
      config.databaseUrl,
      options.connectDeadlineMs,
      () => readiness.stopping,
    );
    await migrate(sequelize);
    for (const { sid, expiresAt } of await store.activeRevocations())
      revocations.add(sid, expiresAt);
    await poller.start();
    readiness.ready = true;
    log.info('ready');
  })();
  ready.catch((error: unknown) => {
    log.error('start-up failed', { error: error instanceof Error ? error.message : String(error) });
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      readiness.stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      hub.closeAll();
      server.closeIdleConnections();
      // Keep-alive sockets that finish an in-flight request become idle later: close them then.
      const sweep = setInterval(() => server.closeIdleConnections(), 25);
      await closed;
      clearInterval(sweep);
      await poller.stop();
      await ready.catch(() => undefined);
      await sequelize.close();
      log.info('stopped');
    })();
    return closing;
  };

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    server,
    app,
    sequelize,
    store,
    readiness,
    ready,
    close,
  };
}
