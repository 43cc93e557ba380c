// vitest globalSetup of the integration project: a Docker engine that answers, the base images
// (official or local stand-ins), and no test hosts left over from a crashed earlier run.
import { ensureEngine } from './engine.ts';
import { cleanupStaleHosts } from './hosts.ts';
import { ensureBaseImages } from './images.ts';
import { log } from './log.ts';

/** Runs once before the integration test files; returns the teardown vitest runs after them. */
export default async function setup(): Promise<() => Promise<void>> {
  const engine = await ensureEngine();
  log(`engine ${engine.action} (${engine.ms} ms)`);
  // Only hosts whose owning process is gone: another vitest run may be using its own right now.
  await cleanupStaleHosts();
  for (const image of await ensureBaseImages()) {
    log(`${image.image}: ${image.action} (${image.ms} ms)`);
  }
  // A test file that crashed before stopping its host leaves it to its (now exited) worker.
  return async () => {
    await cleanupStaleHosts();
  };
}
