/**
 * Packs shared by the shipments of one command (issue 20): shipping an image to several nodes of
 * a cluster would otherwise export, re-pack and gzip the same layers once per node — on a small
 * machine the CPU, not the network, is what the first deploy of a cluster waits for (the
 * benchmark measured ~3× the CPU for 3 nodes). A pack is the gzipped tar of an image without
 * the layers a node already has; nodes that lack the same layers (all of them, on a first
 * deploy) load the same file. Files live in a private temp folder, removed by close().
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Engine } from '../engine/engine.ts';
import { filterTar, readManifest, skippedLayers } from './tar-files.ts';

/** A packed image for targets that lack the same layers. */
export interface Pack {
  file: string;
  layersSent: number;
  layerBytesSent: number;
  wireBytes: number;
}

/** Exports and packs, made once per image (and per set of layers to leave out). */
export class PackCache {
  private folder: Promise<string> | undefined;
  private readonly spools = new Map<string, Promise<string>>();
  private readonly packs = new Map<string, Promise<Pack>>();
  /** Numbers file names; taken before any await, so that concurrent calls never share one. */
  private files = 0;

  private dir(): Promise<string> {
    this.folder ??= mkdtemp(join(tmpdir(), 'notesctl-packs-'));
    return this.folder;
  }

  /** `ref` exported from `source` into a file (once). */
  private spool(source: Engine, ref: string): Promise<string> {
    let spool = this.spools.get(ref);
    if (!spool) {
      const name = `export-${this.files++}.tar`;
      spool = (async () => {
        const path = join(await this.dir(), name);
        await pipeline(await source.saveImages([ref]), createWriteStream(path, { mode: 0o600 }));
        return path;
      })();
      this.spools.set(ref, spool);
    }
    return spool;
  }

  /** The pack of `ref` for a target holding the layer chains `present`. */
  async pack(source: Engine, ref: string, chains: string[], present: Set<string>): Promise<Pack> {
    const spool = await this.spool(source, ref);
    const skip = skippedLayers(await readManifest(spool), chains, present);
    const key = `${ref}\0${[...skip].sort().join('\0')}`;
    let pack = this.packs.get(key);
    if (!pack) {
      pack = this.build(spool, skip);
      this.packs.set(key, pack);
    }
    return pack;
  }

  private async build(spool: string, skip: Set<string>): Promise<Pack> {
    const name = `pack-${this.files++}.tar.gz`;
    const file = join(await this.dir(), name);
    const pack: Pack = { file, layersSent: 0, layerBytesSent: 0, wireBytes: 0 };
    const filtered = filterTar(spool, skip, (bytes) => {
      pack.layersSent += 1;
      pack.layerBytesSent += bytes;
    });
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        pack.wireBytes += chunk.length;
        callback(null, chunk);
      },
    });
    await pipeline(
      filtered,
      createGzip({ level: 6 }),
      counter,
      createWriteStream(file, { mode: 0o600 }),
    );
    return pack;
  }

  /** Remove every file made. */
  async close(): Promise<void> {
    const dir = this.folder;
    this.folder = undefined;
    if (dir) await rm(await dir, { recursive: true, force: true });
  }
}
