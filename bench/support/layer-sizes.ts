/**
 * The yardstick for shipped bytes (issue 6: ≤ 1.2 × the size of the changed layers), measured by
 * the benchmark itself rather than taken from notesctl: the layers of the new image that the old
 * one does not have (by diff ID), and their uncompressed size as `docker save` exports them.
 */
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { docker } from './cleanup.ts';

/** The changed layers of an image. */
export interface ChangedLayers {
  /** Layers of the new image that the old one lacks. */
  changed: number;
  /** Layers of the new image. */
  total: number;
  /** Uncompressed size of the changed layers' tar files. */
  bytes: number;
}

/** Size of every entry of `docker save`'s tar, and its manifest's layer files in order. */
async function savedLayers(ref: string): Promise<{ sizes: Map<string, number>; files: string[] }> {
  const sizes = new Map<string, number>();
  let manifest = '';
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    sizes.set(header.name, header.size);
    stream.on('data', (chunk: unknown) => {
      if (header.name === 'manifest.json') manifest += (chunk as Buffer).toString();
    });
    stream.on('end', next);
    stream.resume();
  });
  await pipeline(await docker.getImage(ref).get(), ex);
  const [entry] = JSON.parse(manifest) as { Layers: string[] }[];
  return { sizes, files: entry?.Layers ?? [] };
}

/** Compare `newRef` with the image `oldId` it replaces. */
export async function changedLayers(oldId: string, newRef: string): Promise<ChangedLayers> {
  const old = await docker.getImage(oldId).inspect();
  const next = await docker.getImage(newRef).inspect();
  const oldLayers = new Set(old.RootFS.Layers ?? []);
  const diffIds = next.RootFS.Layers ?? [];
  const { sizes, files } = await savedLayers(newRef);
  // The manifest lists the layer files in the order of the config's diff IDs.
  let bytes = 0;
  let changed = 0;
  diffIds.forEach((id, i) => {
    if (oldLayers.has(id)) return;
    changed += 1;
    bytes += sizes.get(files[i] ?? '') ?? 0;
  });
  return { changed, total: diffIds.length, bytes };
}
