/**
 * `notesctl users add|list|find|delete|update|password-check`: runs the userauth management
 * CLI inside the running userauth container (docker exec). Passwords travel on the exec's
 * stdin, never in arguments or environment.
 */
import { Readable } from 'node:stream';
import type { CommandRunner } from '../cli.ts';
import { loadForCommand } from './support/load.ts';
import { UsageError } from '../errors.ts';
import { withEngine } from './support/engines.ts';
import { runningContainer } from './support/find-container.ts';
import { collectUserFields } from './support/user-fields.ts';

/** The topology service that holds the accounts. */
const USERS_SERVICE = 'userauth';

/** Run `users …`. */
export const run: CommandRunner = async ({ global, args, options, terminal }) => {
  const [verb, ...rest] = args;
  const topology = await loadForCommand(global);
  const service = topology.services[USERS_SERVICE];
  if (!service) {
    throw new UsageError(`users: the topology has no "${USERS_SERVICE}" service`, {
      hint: `notesctl users runs the account CLI inside the ${USERS_SERVICE} service; add it to ${topology.file}.`,
    });
  }
  const request = await collectUserFields(verb ?? '', rest, options);
  const cmd = ['node', 'dist/cli.js', ...request.args, ...(global.json ? ['--json'] : [])];
  return withEngine(topology, service.host, global, async (engine) => {
    const container = await runningContainer(engine, topology.project, USERS_SERVICE);
    const code = await engine.exec(container.id, {
      cmd,
      stdin: request.password === undefined ? undefined : Readable.from([`${request.password}\n`]),
      stdout: terminal.streams.stdout,
      stderr: terminal.streams.stderr,
    });
    return code;
  });
};
