/**
 * `notesctl exec SERVICE -- CMD…`: run a command in the service's running container, with a
 * TTY when both ends are interactive; exits with the command's exit code.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import type { CommandContext } from './context.ts';
import { withTarget } from '../targets/open.ts';
import { execAttached } from './support/exec-attached.ts';
import { hostAccess } from './support/host-access.ts';
import { loadForCommand } from './support/load.ts';
import { checkServices } from './support/scope.ts';
import { runtimeOf } from '../model/topology.ts';

/** What `exec` runs, where and how. */
export interface ExecOptions {
  service: string;
  cmd: string[];
  /** Use a TTY when both ends are terminals (-T: never). */
  tty: boolean;
  user: string | undefined;
  /** --task: on a cluster, the task to run in (default: the first running one). */
  task: string | undefined;
}

const EXAMPLE = `\nExample:\n  $ notesctl exec notes -- node -e "console.log(process.version)"`;

/** Declare `exec`'s flags and its example. */
export function configure(command: Command): Command {
  return command
    .option('-T, --no-tty', 'do not allocate a TTY')
    .option('-u, --user <user>', 'run as this user')
    .option(
      '--task <task>',
      'on a cluster: the task to run in, as `ps` shows it (notes.2), its slot (2) or a task ID prefix',
    )
    .addHelpText('after', EXAMPLE);
}

/** `exec`'s options from what commander parsed. */
export function readOptions(command: Command): ExecOptions {
  const [service = '', ...rest] = command.args;
  const o = command.opts<{ tty?: boolean; user?: string; task?: string }>();
  return { service, cmd: rest, tty: o.tty !== false, user: o.user, task: o.task };
}

/** Run `exec`. */
export async function run(
  { service, ...command }: ExecOptions,
  context: CommandContext,
): Promise<number> {
  if (!service)
    throw new UsageError('exec: missing SERVICE', {
      hint: 'Usage: notesctl exec SERVICE -- COMMAND [ARGS…]',
    });
  if (command.cmd.length === 0)
    throw new UsageError(`exec ${service}: missing the command to run`, {
      hint: `Example: notesctl exec ${service} -- sh`,
    });
  const topology = await loadForCommand(context.global);
  checkServices(topology, [service]);
  const host = topology.services[service]?.host ?? 'local';
  if (command.task !== undefined && runtimeOf(topology, host) !== 'swarm')
    throw new UsageError(
      `exec --task ${command.task}: ${service} runs on ${host}, not on a cluster — it has no tasks to choose from`,
      { hint: `Leave --task out: notesctl exec ${service} -- ${command.cmd.join(' ')}` },
    );
  return withTarget(topology, host, hostAccess(context), (target) =>
    execAttached(target, service, command, context.terminal),
  );
}
