/**
 * `notesctl cluster rm NAME [--yes] [--force]` (issue 20): every member leaves the swarm, which
 * ends it. Asks first on a terminal; refuses while the project's services run there unless
 * --force. The hosts keep their engines, images and volumes: they are left as they were.
 */
import type { Command } from 'commander';
import { findCluster } from '../../cluster/find.ts';
import { checkRemoval } from '../../cluster/rm-cluster.ts';
import { UsageError } from '../../errors.ts';
import { createProgress } from '../../output/progress.ts';
import type { CommandContext } from '../context.ts';
import { confirmOrRequireYes } from '../support/confirm.ts';
import { hostAccess } from '../support/host-access.ts';
import { loadForCommand } from '../support/load.ts';

/** Which cluster, and how sure the operator is. */
export interface RmOptions {
  name: string;
  yes: boolean;
  force: boolean;
}

/** Declare `cluster rm`'s flags. */
export function configure(command: Command): Command {
  return command
    .option('-y, --yes', 'do not ask first')
    .option('--force', "remove it even while the project's services run on it (they stop)");
}

/** `cluster rm`'s options from what commander parsed. */
export function readOptions(command: Command): RmOptions {
  const o = command.opts<Partial<RmOptions>>();
  return { name: command.args[0] ?? '', yes: o.yes === true, force: o.force === true };
}

/** Run `cluster rm`. */
export async function run(
  { name, yes, force }: RmOptions,
  context: CommandContext,
): Promise<number> {
  const { global, terminal } = context;
  const topology = await loadForCommand(global);
  const cluster = findCluster(topology, name);
  const check = await checkRemoval(topology, cluster, hostAccess(context));
  try {
    if (check.steps.length === 0) {
      terminal.info(`cluster ${name}: no member is in a swarm — nothing to remove`);
      return 0;
    }
    if (check.services > 0 && !force) {
      throw new UsageError(
        `cluster ${name} runs ${check.services} services of project ${topology.project}`,
        {
          hint: `Remove them first (\`notesctl down\`), or pass --force to end the swarm with them (\`notesctl cluster rm ${name} --force\`).`,
        },
      );
    }
    const hosts = [...cluster.managers, ...cluster.workers].join(', ');
    const question = `Remove cluster ${name}? Its members (${hosts}) leave the swarm; its services, overlay networks and secrets end with it.`;
    if (!(await confirmOrRequireYes(question, yes, '--yes'))) return 1;
    const progress = await createProgress(terminal);
    const started = Date.now();
    await check.run(progress.sink).finally(() => progress.stop());
    terminal.info(
      `cluster ${name} removed: every member left the swarm (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    return 0;
  } finally {
    await check.done();
  }
}
