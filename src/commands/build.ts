/**
 * `notesctl build [services…] [--no-cache]`: build the images of `build:` services on their
 * host's engine (Docker's layer cache makes unchanged steps free).
 */
import type { Command } from 'commander';
import { resolveImages } from '../build/images.ts';
import { createProgress } from '../output/progress.ts';
import type { CommandContext } from './context.ts';
import { withEngine } from './support/engines.ts';
import { loadForCommand } from './support/load.ts';
import { checkServices, servicesByHost } from './support/scope.ts';

/** What `build` builds and how. */
export interface BuildOptions {
  /** The services named; none: every `build:` service. */
  services: string[];
  noCache: boolean;
}

/** Declare `build`'s flags. */
export function configure(command: Command): Command {
  return command.option('--no-cache', 'do not use the build cache');
}

/** `build`'s options from what commander parsed. */
export function readOptions(command: Command): BuildOptions {
  return { services: command.args, noCache: command.opts<{ cache?: boolean }>().cache === false };
}

/** Run `build`. */
export async function run(
  options: BuildOptions,
  { global, terminal }: CommandContext,
): Promise<number> {
  const topology = await loadForCommand(global);
  const services = checkServices(topology, options.services).filter(
    (s) => topology.services[s]?.image.kind === 'build',
  );
  const progress = await createProgress(terminal);
  const built: { service: string; ref: string; id: string }[] = [];
  try {
    for (const [host, hostServices] of servicesByHost(topology, services)) {
      await withEngine(topology, host, global, async (engine) => {
        const result = await resolveImages(engine, topology, hostServices, {
          forceBuild: true,
          noCache: options.noCache,
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
}
