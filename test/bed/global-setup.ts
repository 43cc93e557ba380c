// vitest globalSetup of the integration project: a Docker engine that answers, the base images
// (official or local stand-ins), and no test hosts left over from a crashed earlier run.
import { ensureEngine } from './engine.ts';
import { ensureBaseImages } from './images.ts';
import { log } from './log.ts';

/** Runs once before the integration test files. */
export default async function setup(): Promise<void> {
  const engine = await ensureEngine();
  log(`engine ${engine.action} (${engine.ms} ms)`);
  for (const image of await ensureBaseImages()) {
    log(`${image.image}: ${image.action} (${image.ms} ms)`);
  }
}
