/**
 * `notesctl exec SERVICE -- CMD…`: run a command in the service's running container, with a
 * TTY when both ends are interactive; exits with the command's exit code.
 */
import type { CommandRunner } from '../cli.ts';
import { loadForCommand } from './support/load.ts';
import { UsageError } from '../errors.ts';
import { withEngine } from './support/engines.ts';
import { runningContainer } from './support/find-container.ts';
import { checkServices } from './support/scope.ts';

/** Run `exec`. */
export const run: CommandRunner = async ({ global, args, options, terminal }) => {
  const [service, ...cmd] = args;
  if (!service)
    throw new UsageError('exec: missing SERVICE', {
      hint: 'Usage: notesctl exec SERVICE -- COMMAND [ARGS…]',
    });
  if (cmd.length === 0)
    throw new UsageError(`exec ${service}: missing the command to run`, {
      hint: `Example: notesctl exec ${service} -- sh`,
    });
  const topology = await loadForCommand(global);
  checkServices(topology, [service]);
  const host = topology.services[service]?.host ?? 'local';
  const tty = options.tty !== false && process.stdin.isTTY && process.stdout.isTTY;
  return withEngine(topology, host, global, async (engine) => {
    const container = await runningContainer(engine, topology.project, service);
    if (tty) process.stdin.setRawMode(true);
    try {
      return await engine.exec(container.id, {
        cmd,
        user: typeof options.user === 'string' ? options.user : undefined,
        tty,
        stdin: process.stdin.isTTY && !tty ? undefined : process.stdin,
        // The command's own output is data: it goes straight to our stdout/stderr.
        stdout: terminal.streams.stdout,
        stderr: terminal.streams.stderr,
      });
    } finally {
      if (tty) process.stdin.setRawMode(false);
      process.stdin.pause();
    }
  });
};
