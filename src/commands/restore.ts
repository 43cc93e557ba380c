/**
 * `notesctl restore SERVICE FILE [--yes]` (issue 23): put a database dump made by `backup` back
 * into a MariaDB/MySQL service. The file is checked against its manifest (checksum, size, the
 * whole gzip stream and the dump's last line) before anything else; on a terminal it asks
 * first (the data is replaced); it takes the host session (lock) like `up` and `down`; then
 * waits for the service, restores, waits again and reports the tables and rows.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { summarizeRestore } from '../output/backup-summary.ts';
import type { CommandContext } from './context.ts';
import { confirmOrRequireYes } from './support/confirm.ts';
import { inSessions, withProgress } from './support/host-work.ts';
import { loadForCommand } from './support/load.ts';

/** What `restore` puts back, and where. */
export interface RestoreOptions {
  service: string;
  file: string;
  yes: boolean;
}

/** Declare `restore`'s flags. */
export function configure(command: Command): Command {
  return command
    .option('-y, --yes', 'do not ask before replacing the data')
    .addHelpText(
      'after',
      '\nExample:\n  $ notesctl restore db-notes backups/notes-db-notes-20261207T031500Z.sql.gz',
    );
}

/** `restore`'s options from what commander parsed. */
export function readOptions(command: Command): RestoreOptions {
  const [service = '', file = ''] = command.args;
  return { service, file, yes: command.opts<{ yes?: boolean }>().yes === true };
}

/** Run `restore`. */
export async function run(options: RestoreOptions, context: CommandContext): Promise<number> {
  const topology = await loadForCommand(context.global);
  const service = topology.services[options.service];
  if (!service) {
    throw new UsageError(`restore: unknown service ${options.service}`, {
      hint: `Services in ${topology.file}: ${Object.keys(topology.services).sort().join(', ')}.`,
    });
  }
  const [{ databaseLogin, isDatabaseService }, files] = await Promise.all([
    import('../backup/mariadb.ts'),
    import('../backup/files.ts'),
  ]);
  const login = isDatabaseService(service)
    ? databaseLogin(service)
    : 'it is not a MariaDB/MySQL service';
  if (typeof login === 'string') {
    throw new UsageError(`restore: cannot restore into ${options.service}: ${login}`, {
      hint: 'restore puts a database dump made by `notesctl backup` back into its service.',
    });
  }
  const file = resolve(options.file);
  if (!existsSync(file)) {
    throw new UsageError(`restore: ${options.file} does not exist`, {
      hint: 'Backups are written by `notesctl backup` into ./backups unless --output says otherwise.',
    });
  }
  const manifest = await files.readManifest(file);
  if (manifest.kind !== 'mariadb-dump' || manifest.database !== login.database) {
    throw new UsageError(
      `restore: ${options.file} is ${manifest.kind === 'mariadb-dump' ? `a dump of database ${manifest.database ?? '?'}` : `a copy of volume ${manifest.item}`}, and ${options.service} keeps database ${login.database}`,
      {
        hint: `Pick a backup of ${options.service}: ${topology.project}-${options.service}-*.sql.gz.`,
      },
    );
  }
  await files.verifyBackupFile(file, manifest);
  const question = `Replace database ${login.database} of ${options.service} on ${service.host} (project ${topology.project}) with the backup of ${manifest.createdAt} from ${manifest.project}@${manifest.host}?`;
  if (!(await confirmOrRequireYes(question, options.yes, '--yes'))) {
    context.terminal.info('nothing restored');
    return 1;
  }
  const { restoreDump } = await import('../backup/run-restore.ts');
  const hosts = new Map([[service.host, [options.service]]]);
  const [result] = await withProgress(context, { warn: true }, (progress) =>
    inSessions({ context, topology, hosts, verb: 'restore', progress }, ({ target, signal }) =>
      restoreDump(target, { login, file, ...progress, signal }),
    ),
  );
  if (result) summarizeRestore(context.terminal, result, file);
  return 0;
}
