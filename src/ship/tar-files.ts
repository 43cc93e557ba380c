/**
 * The tar files of `docker save`: its manifest, which of its layer files a target already holds,
 * and the archive re-packed without them (src/ship/ship.ts, pack-cache.ts).
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack } from 'tar-stream';
import { RuntimeError } from '../errors.ts';

/** One image of a saved archive's manifest.json. */
export interface ManifestEntry {
  Config: string;
  Layers: string[];
}

/** The layer files of `manifest` whose chain (of `chains`, in layer order) is in `present`. */
export function skippedLayers(
  manifest: ManifestEntry[],
  chains: string[],
  present: Set<string>,
): Set<string> {
  const skip = new Set<string>();
  manifest.forEach((m) =>
    m.Layers.forEach((file, i) => {
      const chain = chains[i];
      if (chain !== undefined && present.has(chain)) skip.add(file);
    }),
  );
  return skip;
}

/** The manifest.json of the saved archive `spool`. */
export async function readManifest(spool: string): Promise<ManifestEntry[]> {
  const ex = extract();
  let manifest: ManifestEntry[] | undefined;
  ex.on('entry', (header, stream, next) => {
    if (header.name === 'manifest.json') {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ManifestEntry[];
        next();
      });
    } else {
      stream.on('end', next);
      stream.resume();
    }
  });
  await pipeline(createReadStream(spool), ex);
  if (!manifest) throw new RuntimeError('the exported image has no manifest.json');
  return manifest;
}

/** Re-pack the saved tar without the layer files in `skip`. */
export function filterTar(
  spool: string,
  skip: Set<string>,
  onLayerSent: (bytes: number) => void,
): Readable {
  const ex = extract();
  const out = pack();
  ex.on('entry', (header, stream, next) => {
    if (skip.has(header.name)) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    if (header.name.endsWith('/layer.tar') || header.name.endsWith('.tar'))
      onLayerSent(header.size);
    const entry = out.entry(header, (error) => (error ? ex.destroy(error) : next()));
    stream.pipe(entry);
  });
  ex.on('finish', () => out.finalize());
  ex.on('error', (error) => out.destroy(error));
  createReadStream(spool).pipe(ex);
  // tar-stream's streams are streamx streams: Node-compatible, typed separately.
  return out as unknown as Readable;
}
