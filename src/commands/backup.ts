/**
 * `notesctl backup [SERVICE…] [--output DIR] [--keep N]` (issue 23): a consistent logical dump
 * of each MariaDB/MySQL service and a tar of every other named volume, streamed over each
 * host's one connection into checked local files with manifests; --keep prunes older ones.
 */
import type { Command } from 'commander';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { BackupResult } from '../backup/run-backup.ts';
import { UsageError } from '../errors.ts';
import { summarizeBackup } from '../output/backup-summary.ts';
import { withTarget } from '../targets/open.ts';
import { NOTESCTL_VERSION } from '../version.ts';
import type { CommandContext } from './context.ts';
import { hostAccess } from './support/host-access.ts';
import { withProgress } from './support/host-work.ts';
import { loadForCommand } from './support/load.ts';

/** What `backup` saves, where, and how many to keep. */
export interface BackupOptions {
  services: string[];
  output: string;
  /** Keep only the newest N backups of each item in the folder (undefined: keep all). */
  keep: number | undefined;
}

const EXAMPLE = `
Examples:
  $ notesctl backup                         every database and volume, into ./backups
  $ notesctl backup db-notes --output /srv/backups --keep 7

Each file has a manifest beside it (<file>.json: checksum, sizes, image, database).
Schedule it from cron on your machine, e.g.: 15 3 * * * cd ~/notes && notesctl -q backup --keep 14`;

/** Declare `backup`'s flags. */
export function configure(command: Command): Command {
  return command
    .option('-o, --output <dir>', 'folder for the backup files', 'backups')
    .option('--keep <n>', 'keep only the newest N backups of each service/volume in the folder')
    .addHelpText('after', EXAMPLE);
}

/** `backup`'s options from what commander parsed. */
export function readOptions(command: Command): BackupOptions {
  const o = command.opts<{ output: string; keep?: string }>();
  let keep: number | undefined;
  if (o.keep !== undefined) {
    keep = Number(o.keep);
    if (!Number.isInteger(keep) || keep < 1) {
      throw new UsageError(
        `--keep: expected a whole number of backups (1 or more), got "${o.keep}"`,
        {
          hint: 'E.g. --keep 7 keeps the newest seven backups of each service.',
        },
      );
    }
  }
  return { services: command.args, output: o.output, keep };
}

/** Run `backup`. */
export async function run(options: BackupOptions, context: CommandContext): Promise<number> {
  const topology = await loadForCommand(context.global);
  const { planBackup } = await import('../backup/plan.ts');
  const items = planBackup(topology, options.services);
  const dir = resolve(options.output);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const [{ backupItem }, { pruneBackups }] = await Promise.all([
    import('../backup/run-backup.ts'),
    import('../backup/files.ts'),
  ]);
  const results = await withProgress(context, { warn: false }, async (progress) => {
    const done: BackupResult[] = [];
    for (const host of new Set(items.map((i) => i.host))) {
      const run = { project: topology.project, dir, notesctl: NOTESCTL_VERSION, ...progress };
      await withTarget(topology, host, hostAccess(context), async (target) => {
        for (const item of items.filter((i) => i.host === host))
          done.push(await backupItem(target, item, run));
      });
    }
    return done;
  });
  const pruned: string[] = [];
  if (options.keep !== undefined) {
    for (const { manifest } of results)
      pruned.push(...(await pruneBackups(dir, topology.project, manifest.item, options.keep)));
  }
  summarizeBackup(context.terminal, results, pruned);
  return 0;
}
