/**
 * Ship an image from the operator's engine to a remote one without a registry: export it
 * (`docker save`, spooled to a private temp file so the manifest can be read first), drop the
 * layer files whose chain the remote already has, gzip the rest and load it through the
 * remote's API. Only the missing layers cross the network.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { extract, pack } from 'tar-stream';
import { RuntimeError } from '../errors.ts';
import type { Engine } from '../engine/engine.ts';
import { chainIds, chainIdsOn } from './layers.ts';
import { formatBytes } from '../output/bytes.ts';

/**
 * What a shipment sent: the one shape resolveImages() collects and `up` reports (its summary
 * and `--json` output). Imported as a type only, so importing it loads no tar library.
 */
export interface ShipResult {
  ref: string;
  layersTotal: number;
  layersSent: number;
  /** Uncompressed size of the layer files sent. */
  layerBytesSent: number;
  /** Bytes that went over the wire (gzip-compressed tar). */
  wireBytes: number;
}

interface ManifestEntry {
  Config: string;
  Layers: string[];
}

/** Ship `ref` from `source` to `target`; `present` can be passed to reuse one target scan. */
export async function shipImage(
  source: Engine,
  target: Engine,
  ref: string,
  options: { present?: Set<string>; onProgress?: (text: string) => void } = {},
): Promise<ShipResult> {
  const image = await source.inspectImage(ref);
  if (!image) throw new RuntimeError(`cannot ship ${ref}: it is not on ${source.hostName}`);
  const present = options.present ?? (await chainIdsOn(target));
  const chains = chainIds(image.layers);
  const dir = await mkdtemp(join(tmpdir(), 'notesctl-ship-'));
  const spool = join(dir, 'image.tar');
  try {
    await pipeline(await source.saveImages([ref]), createWriteStream(spool, { mode: 0o600 }));
    const manifest = await readManifest(spool);
    const skip = new Set<string>();
    manifest.forEach((m) =>
      m.Layers.forEach((file, i) => {
        const chain = chains[i];
        if (chain !== undefined && present.has(chain)) skip.add(file);
      }),
    );
    const result: ShipResult = {
      ref,
      layersTotal: chains.length,
      layersSent: 0,
      layerBytesSent: 0,
      wireBytes: 0,
    };
    const filtered = filterTar(spool, skip, (bytes) => {
      result.layersSent += 1;
      result.layerBytesSent += bytes;
    });
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        result.wireBytes += chunk.length;
        callback(null, chunk);
      },
    });
    const body = new PassThrough();
    const sending = pipeline(filtered, createGzip({ level: 6 }), counter, body);
    const ticker = setInterval(
      () => options.onProgress?.(`ship ${ref}: ${formatBytes(result.wireBytes)} sent`),
      500,
    );
    try {
      await Promise.all([
        sending,
        target.loadImages(body, (line) => options.onProgress?.(line.text)),
      ]);
    } finally {
      clearInterval(ticker);
    }
    const loaded = await target.inspectImage(ref);
    if (loaded?.id !== image.id) {
      throw new RuntimeError(
        `shipping ${ref} to ${target.hostName} did not produce the same image (${loaded?.id ?? 'missing'} ≠ ${image.id})`,
      );
    }
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function readManifest(spool: string): Promise<ManifestEntry[]> {
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
function filterTar(
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
