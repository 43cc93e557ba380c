/**
 * Entry point (`node dist/server.js`): read the configuration, start the replica, and shut down
 * gracefully on SIGTERM/SIGINT (exit 0), or exit 1 when start-up fails.
 */
import { startNotes } from './boot.ts';
import { ConfigError, loadConfig } from './config.ts';
import { log } from './log.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      log.error('refusing to start', { problems: error.problems });
      process.exit(2);
    }
    throw error;
  }
  const notes = await startNotes(config);
  const shutdown = (signal: string): void => {
    log.info('shutting down', { signal });
    // A request that never ends must not keep the container from stopping.
    setTimeout(() => process.exit(1), 10_000).unref();
    notes.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('shutdown failed', {
          error: error instanceof Error ? error.message : String(error),
        });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  notes.ready.catch(() => process.exit(1));
}

main().catch((error: unknown) => {
  log.error('fatal', { error: error instanceof Error ? error.stack : String(error) });
  process.exit(1);
});
