/**
 * `notesctl build [services…] [--no-cache]`: build the images of `build:` services on their
 * host's engine (Docker's layer cache makes unchanged steps free).
 */
import type { Command } from 'commander';
import { withTarget } from '../targets/open.ts';
import type { BuiltImage } from '../targets/target.ts';
import type { CommandContext } from './context.ts';
import { createProgress } from '../output/progress.ts';
import { hostAccess } from './support/host-access.ts';
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
export async function run(options: BuildOptions, context: CommandContext): Promise<number> {
  const { global, terminal } = context;
  const topology = await loadForCommand(global);
  const services = checkServices(topology, options.services).filter(
    (s) => topology.services[s]?.image.kind === 'build',
  );
  const built: BuiltImage[] = [];
  // No Ctrl-C handling of its own: an interrupted build is simply ended.
  const progress = await createProgress(terminal);
  try {
    for (const [host, hostServices] of servicesByHost(topology, services)) {
      const images = await withTarget(topology, host, hostAccess(context), (target) =>
        target.build(hostServices, { noCache: options.noCache, onEvent: progress.sink }),
      );
      built.push(...images);
    }
  } finally {
    progress.stop();
  }
  if (global.json) terminal.json(built);
  else for (const b of built) terminal.info(`${b.service}: ${b.ref} (${b.id.slice(7, 19)})`);
  return 0;
}
