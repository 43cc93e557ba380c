/**
 * `notesctl hosts scp [NAME:]SRC [NAME:]DST` (docker-machine's scp, issue 23): copy one file to
 * or from a host over SFTP on notesctl's own SSH connection (its identities and host-key checks;
 * no `scp` binary). One side names the host as `NAME:path`, the other is a local path.
 */
import type { Command } from 'commander';
import { connectSsh } from '../../engine/ssh/connect.ts';
import { copyOverSsh, type CopySpec } from '../../engine/ssh/copy.ts';
import { UsageError } from '../../errors.ts';
import { optionalTopology } from '../../hosts/known.ts';
import { sshOptionsFor } from '../../hosts/prompts.ts';
import { resolveHost } from '../../hosts/resolve.ts';
import { formatBytes } from '../../output/bytes.ts';
import type { CommandContext } from '../context.ts';

/** Source and destination as given. */
export interface ScpOptions {
  source: string;
  destination: string;
}

/** `hosts scp` has no flags of its own. */
export function configure(command: Command): Command {
  return command.addHelpText(
    'after',
    '\nExamples:\n  $ notesctl hosts scp backups/notes.sql.gz web1:/root/notes.sql.gz\n  $ notesctl hosts scp web1:/var/log/syslog ./syslog',
  );
}

/** `hosts scp`'s options from what commander parsed. */
export function readOptions(command: Command): ScpOptions {
  const [source = '', destination = ''] = command.args;
  return { source, destination };
}

/** `NAME:path` → [NAME, path]; a plain (or ./, /) path → undefined. */
function remoteOf(arg: string): [string, string] | undefined {
  const match = /^([a-zA-Z0-9][a-zA-Z0-9_.-]*):(.+)$/.exec(arg);
  return match ? [match[1] ?? '', match[2] ?? ''] : undefined;
}

/** Run `hosts scp`. */
export async function run(options: ScpOptions, context: CommandContext): Promise<number> {
  const { global, terminal } = context;
  const from = remoteOf(options.source);
  const to = remoteOf(options.destination);
  if ((from === undefined) === (to === undefined)) {
    throw new UsageError(
      `hosts scp ${options.source} ${options.destination}: exactly one side must be NAME:path`,
      {
        hint: 'E.g. `notesctl hosts scp ./file web1:/root/file` or `notesctl hosts scp web1:/root/file ./file`.',
      },
    );
  }
  const [name, remote] = from ?? to ?? ['', ''];
  const spec: CopySpec = from
    ? { direction: 'down', remote, local: options.destination }
    : { direction: 'up', remote, local: options.source };
  const topology = await optionalTopology(global.file, terminal);
  const { endpoint } = await resolveHost(name, topology);
  const link = await connectSsh(endpoint, sshOptionsFor(terminal, global.acceptNewHostKey));
  try {
    const bytes = await copyOverSsh(link, spec);
    terminal.info(`copied ${formatBytes(bytes)} ${from ? `from ${name}` : `to ${name}`}`);
    return 0;
  } finally {
    await link.close();
  }
}
