/**
 * `notesctl restore SERVICE FILE` for a volume backup (issue 23): SERVICE must mount the volume
 * the backup copied. The file is checked against its manifest (size, SHA-256, the whole gzip
 * stream, the tar's end blocks) and every entry must lie under the volume's folder — before
 * anything is asked or touched. Then, in the host session (the deploy lock), the target stops
 * the services mounting the volume, replaces its files, starts them again, and each must pass
 * its health check; the files and bytes restored are reported.
 */
import type { BackupManifest } from '../../backup/files.ts';
import { UsageError } from '../../errors.ts';
import type { Service, Topology } from '../../model/topology.ts';
import { summarizeVolumeRestore } from '../../output/backup-summary.ts';
import type { CommandContext } from '../context.ts';
import { confirmOrRequireYes } from './confirm.ts';
import { inSessions, withProgress } from './host-work.ts';

/** A volume backup to restore, as `restore` found it. */
export interface VolumeRestoreRequest {
  topology: Topology;
  service: Service;
  manifest: BackupManifest;
  /** The backup file (absolute) and as the operator typed it. */
  file: string;
  hosts: Map<string, string[]>;
  yes: boolean;
}

/** Check, ask, and restore a volume backup; the command's exit code. */
export async function restoreVolumeFile(
  request: VolumeRestoreRequest,
  context: CommandContext,
): Promise<number> {
  const { topology, service, manifest, file } = request;
  const volume = manifest.item;
  const users = Object.values(topology.services)
    .filter((s) => s.volumes.some((m) => m.volume === volume))
    .map((s) => s.name);
  if (!users.includes(service.name)) {
    throw new UsageError(
      `restore: ${file} is a copy of volume ${volume}, which ${service.name} does not mount`,
      {
        hint:
          users.length > 0
            ? `Restore it through a service that mounts it: ${users.join(', ')}.`
            : `No service of ${topology.file} mounts volume ${volume}.`,
      },
    );
  }
  const [{ verifyBackupFile }, { summarizeTar }] = await Promise.all([
    import('../../backup/files.ts'),
    import('../../backup/tar-entries.ts'),
  ]);
  await verifyBackupFile(file, manifest);
  const { RuntimeError } = await import('../../errors.ts');
  const summary = await summarizeTar(file, 'volume').catch((error: unknown) => {
    throw new RuntimeError(
      `${file} is not a volume backup notesctl can restore: ${(error as Error).message}; nothing was changed`,
    );
  });
  const question = `Replace every file of volume ${volume} on ${service.host} (project ${topology.project}; ${users.join(', ')} stopped meanwhile) with the backup of ${manifest.createdAt} from ${manifest.project}@${manifest.host} (${summary.files} files)?`;
  if (!(await confirmOrRequireYes(question, request.yes, '--yes'))) {
    context.terminal.info('nothing restored');
    return 1;
  }
  const { restoreVolumeBackup } = await import('../../backup/run-volume-restore.ts');
  const [result] = await withProgress(context, { warn: true }, (progress) =>
    inSessions(
      { context, topology, hosts: request.hosts, verb: 'restore', progress },
      ({ target, signal }) =>
        restoreVolumeBackup(target, { volume, file, summary, ...progress, signal }),
    ),
  );
  if (result) summarizeVolumeRestore(context.terminal, result, file);
  return 0;
}
