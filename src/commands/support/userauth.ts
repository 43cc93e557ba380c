/**
 * `notesctl users …` runs the userauth management CLI inside the running userauth service
 * (an exec through its host's target). Passwords travel on the exec's stdin, never in arguments or environment.
 */
import { Readable } from 'node:stream';
import { UsageError } from '../../errors.ts';
import type { CommandContext } from '../context.ts';
import { withTarget } from '../../targets/open.ts';
import { hostAccess } from './host-access.ts';
import { loadForCommand } from './load.ts';

/** The topology service that holds the accounts. */
const USERS_SERVICE = 'userauth';

/** A call of the userauth CLI: its arguments, and the password to send on its stdin. */
export interface UserRequest {
  args: string[];
  password: string | undefined;
}

/**
 * Run the userauth CLI with the request `collect` gathers (flags, stdin, prompts) once the
 * topology is known to have the service; resolves to the CLI's exit code.
 */
export async function runUserauth(
  context: CommandContext,
  collect: () => Promise<UserRequest>,
): Promise<number> {
  const { global, terminal } = context;
  const topology = await loadForCommand(global);
  const service = topology.services[USERS_SERVICE];
  if (!service) {
    throw new UsageError(`users: the topology has no "${USERS_SERVICE}" service`, {
      hint: `notesctl users runs the account CLI inside the ${USERS_SERVICE} service; add it to ${topology.file}.`,
    });
  }
  const request = await collect();
  const cmd = ['node', 'dist/cli.js', ...request.args, ...(global.json ? ['--json'] : [])];
  return withTarget(topology, service.host, hostAccess(context), (target) =>
    target.exec(USERS_SERVICE, {
      cmd,
      stdin: request.password === undefined ? undefined : Readable.from([`${request.password}\n`]),
      stdout: terminal.streams.stdout,
      stderr: terminal.streams.stderr,
    }),
  );
}
