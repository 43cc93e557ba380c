/**
 * `notesctl restore SERVICE FILE [--yes]` (issue 23): put a database dump made by `backup` back
 * into a MariaDB/MySQL service, or a volume's tar into a volume SERVICE mounts
 * (support/restore-volume.ts). The file is checked against its manifest (checksum, size, the
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
      '\nExamples:\n  $ notesctl restore db-notes backups/notes-db-notes-20261207T031500Z.sql.gz\n  $ notesctl restore notes backups/notes-uploads-20261207T031500Z.tar.gz   (a volume notes mounts)',
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
  const file = resolve(options.file);
  if (!existsSync(file)) {
    throw new UsageError(`restore: ${options.file} does not exist`, {
      hint: 'Backups are written by `notesctl backup` into ./backups unless --output says otherwise.',
    });
  }
  const files = await import('../backup/files.ts');
  const manifest = await files.readManifest(file);
  const hosts = new Map([[service.host, [options.service]]]);
  if (manifest.kind === 'volume-tar') {
    const { restoreVolumeFile } = await import('./support/restore-volume.ts');
    return restoreVolumeFile(
      { topology, service, manifest, file, hosts, yes: options.yes },
      context,
    );
  }
  const { databaseLogin, isDatabaseService } = await import('../backup/mariadb.ts');
  const login = isDatabaseService(service)
    ? databaseLogin(service)
    : 'it is not a MariaDB/MySQL service';
  if (typeof login === 'string') {
    throw new UsageError(`restore: cannot restore into ${options.service}: ${login}`, {
      hint: `${options.file} is a database dump; a volume backup (.tar.gz) goes back into a service that mounts its volume.`,
    });
  }
  if (manifest.database !== login.database) {
    throw new UsageError(
      `restore: ${options.file} is a dump of database ${manifest.database ?? '?'}, and ${options.service} keeps database ${login.database}`,
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
  const [result] = await withProgress(context, { warn: true }, (progress) =>
    inSessions({ context, topology, hosts, verb: 'restore', progress }, ({ target, signal }) =>
      restoreDump(target, { login, file, ...progress, signal }),
    ),
  );
  if (result) summarizeRestore(context.terminal, result, file);
  return 0;
}
