/**
 * Carrying out a backup item through a host's target (issue 23): a database dump
 * (Target.dumpDatabase) or a volume's archive (Target.archiveVolume), streamed
 * over the host's one connection into a checked local file (files.ts), with progress.
 */
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { EventSink } from '../apply/events.ts';
import { formatBytes } from '../output/bytes.ts';
import type { Target } from '../targets/target.ts';
import {
  backupFileName,
  checkingSink,
  partialFile,
  writeManifest,
  type BackupManifest,
} from './files.ts';
import { itemName, type BackupItem } from './plan.ts';
import { progressCounter, rateText } from './transfer.ts';

/** Where and how a backup is written. */
export interface BackupRun {
  project: string;
  dir: string;
  notesctl: string;
  onEvent: EventSink;
  /** Ctrl-C: the transfer stops and its partial file goes. */
  signal: AbortSignal;
}

/** A finished backup: its file and manifest. */
export interface BackupResult {
  path: string;
  manifest: BackupManifest;
}

/** Back up one item on its host's open target. */
export async function backupItem(
  target: Target,
  item: BackupItem,
  run: BackupRun,
): Promise<BackupResult> {
  const started = new Date();
  const name = itemName(item);
  const kind = item.kind === 'database' ? 'mariadb-dump' : 'volume-tar';
  const fileName = backupFileName(run.project, name, kind, started);
  const id = `backup:${name}`;
  const what =
    item.kind === 'database'
      ? `dump ${name} (database ${item.login.database})`
      : `copy volume ${name}`;
  const text = `${what} on ${target.host} → ${fileName}`;
  run.onEvent({ type: 'op-start', id, service: name, text });
  const file = await partialFile(run.dir, fileName);
  const { sink, check } = checkingSink(kind, file.stream);
  const counter = progressCounter(run.onEvent, id, name, 'received');
  const head = new PassThrough();
  const stop = () => head.destroy(new Error('interrupted'));
  run.signal.addEventListener('abort', stop, { once: true });
  try {
    run.signal.throwIfAborted();
    const origin =
      item.kind === 'database'
        ? await dumpInto(target, item, { head, signal: run.signal }, counter.stream, sink)
        : await archiveInto(target, item, { head, onEvent: run.onEvent }, counter.stream, sink);
    const found = await check();
    const path = await file.commit();
    const ms = Date.now() - started.getTime();
    const manifest: BackupManifest = {
      format: 'notesctl-backup/1',
      kind,
      notesctl: run.notesctl,
      project: run.project,
      host: target.host,
      item: name,
      ...origin,
      ...(kind === 'mariadb-dump' ? { tool: found.firstLine } : {}),
      createdAt: started.toISOString(),
      file: fileName,
      compression: 'gzip',
      bytes: found.bytes,
      contentBytes: found.contentBytes,
      sha256: found.sha256,
      seconds: Math.round(ms) / 1000,
    };
    await writeManifest(path, manifest);
    const held = origin.held?.services.length ? `; ${origin.held.services.join(', ')} paused` : '';
    const done = `${text} (${formatSize(found)}, ${rateText(found.contentBytes, ms)}${held})`;
    run.onEvent({ type: 'op-done', id, text: done, ms });
    return { path, manifest };
  } catch (error) {
    head.destroy();
    await file.discard();
    const why = error instanceof Error ? error.message : String(error);
    run.onEvent({ type: 'op-failed', id, text, error: why });
    throw error;
  } finally {
    run.signal.removeEventListener('abort', stop);
  }
}

function formatSize(found: { bytes: number; contentBytes: number }): string {
  return `${formatBytes(found.bytes)} gzip of ${formatBytes(found.contentBytes)}`;
}

/** Dump the item's database through the target (gzip'd on the host when it can). */
async function dumpInto(
  target: Target,
  item: Extract<BackupItem, { kind: 'database' }>,
  { head, signal }: { head: PassThrough; signal: AbortSignal },
  counter: NodeJS.ReadWriteStream,
  sink: Writable,
): Promise<Partial<BackupManifest>> {
  const flowing = pipeline(head, counter, sink);
  flowing.catch(() => undefined);
  const { image } = await target.dumpDatabase(item.login, head, { signal });
  await flowing;
  return { database: item.login.database, image };
}

/** Copy a volume through the target (which holds its users meanwhile), gzip'd here. */
async function archiveInto(
  target: Target,
  item: Extract<BackupItem, { kind: 'volume' }>,
  { head, onEvent }: { head: PassThrough; onEvent: EventSink },
  counter: NodeJS.ReadWriteStream,
  sink: Writable,
): Promise<Partial<BackupManifest>> {
  const flowing = pipeline(head, counter, createGzip(), sink);
  flowing.catch(() => undefined);
  const { paused } = await target.archiveVolume(item.volume, head, onEvent);
  await flowing;
  return {
    held: {
      services: paused,
      how:
        paused.length > 0
          ? 'paused while the volume was copied (a copy of files being written is torn)'
          : 'no running service mounted the volume',
    },
  };
}
