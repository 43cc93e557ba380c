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
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { RuntimeError } from '../errors.ts';
import type { Engine } from '../engine/engine.ts';
import { chainIds, chainIdsOn } from './layers.ts';
import { formatBytes } from '../output/bytes.ts';
import { filterTar, readManifest, skippedLayers } from './tar-files.ts';
import type { PackCache } from './pack-cache.ts';

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

/** Ship `ref` from `source` to `target`; `present` can be passed to reuse one target scan. */
export async function shipImage(
  source: Engine,
  target: Engine,
  ref: string,
  options: {
    present?: Set<string>;
    onProgress?: (text: string) => void;
    /** Packs shared with the command's other shipments (several nodes of a cluster). */
    packs?: PackCache;
  } = {},
): Promise<ShipResult> {
  const image = await source.inspectImage(ref);
  if (!image) throw new RuntimeError(`cannot ship ${ref}: it is not on ${source.hostName}`);
  const present = options.present ?? (await chainIdsOn(target));
  const chains = chainIds(image.layers);
  if (options.packs) {
    const pack = await options.packs.pack(source, ref, chains, present);
    await loadPack(target, ref, pack.file, options.onProgress);
    await checkLoaded(target, ref, image.id);
    const { layersSent, layerBytesSent, wireBytes } = pack;
    return { ref, layersTotal: chains.length, layersSent, layerBytesSent, wireBytes };
  }
  const dir = await mkdtemp(join(tmpdir(), 'notesctl-ship-'));
  const spool = join(dir, 'image.tar');
  try {
    await pipeline(await source.saveImages([ref]), createWriteStream(spool, { mode: 0o600 }));
    const skip = skippedLayers(await readManifest(spool), chains, present);
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
    await checkLoaded(target, ref, image.id);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The image `ref` on `target` must be the one shipped. */
async function checkLoaded(target: Engine, ref: string, id: string): Promise<void> {
  const loaded = await target.inspectImage(ref);
  if (loaded?.id !== id) {
    throw new RuntimeError(
      `shipping ${ref} to ${target.hostName} did not produce the same image (${loaded?.id ?? 'missing'} ≠ ${id})`,
    );
  }
}

/** Load a pack file onto `target`, saying how much has gone. */
async function loadPack(
  target: Engine,
  ref: string,
  file: string,
  onProgress: ((text: string) => void) | undefined,
): Promise<void> {
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sent += chunk.length;
      callback(null, chunk);
    },
  });
  const body = new PassThrough();
  const ticker = setInterval(() => onProgress?.(`ship ${ref}: ${formatBytes(sent)} sent`), 500);
  try {
    await Promise.all([
      pipeline(createReadStream(file), counter, body),
      target.loadImages(body, (line) => onProgress?.(line.text)),
    ]);
  } finally {
    clearInterval(ticker);
  }
}
