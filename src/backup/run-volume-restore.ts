/**
 * Restoring a volume backup through a host's target (issue 23). The file has been checked
 * against its manifest and its entries counted (tar-entries.ts) before this runs: here the tar
 * is streamed, decompressed, into the target, which stops the volume's users, replaces its
 * files and starts them again; then each of those services must pass its own health check.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { EventSink } from '../apply/events.ts';
import type { Target } from '../targets/target.ts';
import type { TarSummary } from './tar-entries.ts';
import { progressCounter } from './transfer.ts';

/** What a volume restore put back. */
export interface VolumeRestoreResult extends TarSummary {
  volume: string;
  host: string;
  /** Services stopped for it, started again and found healthy. */
  restarted: string[];
  ms: number;
}

/** What a volume restore needs besides the target. */
export interface VolumeRestoreRun {
  volume: string;
  file: string;
  /** The archive's entries, counted while it was checked. */
  summary: TarSummary;
  onEvent: EventSink;
  signal: AbortSignal;
}

/** Restore `run.file` (checked already) into volume `run.volume` on `target`. */
export async function restoreVolumeBackup(
  target: Target,
  run: VolumeRestoreRun,
): Promise<VolumeRestoreResult> {
  const { volume, onEvent, signal } = run;
  const started = Date.now();
  const id = `restore:${volume}`;
  const counter = progressCounter(onEvent, id, volume, 'sent');
  const archive = createReadStream(run.file).pipe(createGunzip()).pipe(counter.stream);
  const { stopped } = await target.restoreVolume(volume, archive, onEvent);
  for (const service of stopped) {
    const hid = `health:${service}`;
    const text = `wait until ${service} is healthy`;
    const t0 = Date.now();
    onEvent({ type: 'op-start', id: hid, service, text });
    await target.waitHealthy(service, {
      signal,
      onProgress: (progress) => onEvent({ type: 'op-progress', id: hid, text: progress }),
    });
    onEvent({ type: 'op-done', id: hid, text, ms: Date.now() - t0 });
  }
  return {
    volume,
    host: target.host,
    restarted: stopped,
    ...run.summary,
    ms: Date.now() - started,
  };
}
