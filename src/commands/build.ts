/**
 * `notesctl build [services…] [--no-cache]`: build the images of `build:` services on their
 * host's engine (Docker's layer cache makes unchanged steps free).
 */
import type { CommandRunner } from '../cli.ts';
import { loadForCommand } from './support/load.ts';
import { resolveImages } from '../build/images.ts';
import { createProgress } from '../output/progress.ts';
import { withEngine } from './support/engines.ts';
import { checkServices, servicesByHost } from './support/scope.ts';

/** Run `build`. */
export const run: CommandRunner = async ({ global, args, options, terminal }) => {
  const topology = await loadForCommand(global);
  const services = checkServices(topology, args).filter(
    (s) => topology.services[s]?.image.kind === 'build',
  );
  const progress = await createProgress(terminal);
  const built: { service: string; ref: string; id: string }[] = [];
  try {
    for (const [host, hostServices] of servicesByHost(topology, services)) {
      await withEngine(topology, host, global, async (engine) => {
        const result = await resolveImages(engine, topology, hostServices, {
          forceBuild: true,
          noCache: options.cache === false,
          dryRun: false,
          onEvent: progress.sink,
        });
        for (const [service, image] of result.images)
          built.push({ service, ref: image.ref, id: image.id });
      });
    }
  } finally {
    progress.stop();
  }
  if (global.json) terminal.json(built);
  else for (const b of built) terminal.info(`${b.service}: ${b.ref} (${b.id.slice(7, 19)})`);
  return 0;
};
