/**
 * PackCache (src/ship/pack-cache.ts) on the real local engine: images exported and packed at the
 * same time get files of their own. A CI run of the Swarm test once shipped a corrupt pack
 * ("invalid diffID for layer 2") because two concurrent exports were numbered after an await
 * and wrote the same file.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { connectLocalEngine } from '../../src/engine/connect.ts';
import { PackCache } from '../../src/ship/pack-cache.ts';
import { readManifest } from '../../src/ship/tar-files.ts';

const IMAGES = ['caddy:2', 'notesctl-testbed/pebble:2.4.0'];
const engine = connectLocalEngine();
const cache = new PackCache();
let scratch: string | undefined;

afterAll(async () => {
  await cache.close();
  await engine.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('PackCache', () => {
  it('packs images requested together into files of their own, each loadable as its image', async () => {
    const packs = await Promise.all(IMAGES.map((ref) => cache.pack(engine, ref, [], new Set())));
    expect(new Set(packs.map((p) => p.file)).size).toBe(IMAGES.length);
    scratch = await mkdtemp(join(tmpdir(), 'notesctl-pack-test-'));
    for (const [i, pack] of packs.entries()) {
      const tar = join(scratch, `${i}.tar`);
      await pipeline(createReadStream(pack.file), createGunzip(), createWriteStream(tar));
      const manifest = (await readManifest(tar)) as { RepoTags?: string[] }[];
      expect(manifest.flatMap((m) => m.RepoTags ?? [])).toEqual([IMAGES[i]]);
      expect(pack.layersSent).toBeGreaterThan(0);
    }
    // Asked again, the same packs (made once).
    const again = await cache.pack(engine, IMAGES[0] ?? '', [], new Set());
    expect(again.file).toBe(packs[0]?.file);
  }, 120_000);
});
