/**
 * What shipping one image costs on the operator's machine, piece by piece (issue 20: why a
 * first deploy to 3 nodes takes more than 1.3 × one node on 2 cores): `docker save` to a spool
 * file, the tar re-packed (src/ship/ship.ts filterTar, nothing skipped) and gzip-compressed at
 * level 6 (what shipImage does, once per node) — once, three times at once (three nodes today),
 * and at level 1. CPU is this process's (zlib's threads included) and the local dockerd's.
 *
 *   flock /tmp/docker-heavy.lock node bench/ship-cost.ts IMAGE
 */
import { readFileSync } from 'node:fs';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { extract, pack } from 'tar-stream';
import { docker } from './support/cleanup.ts';

const ref = process.argv[2];
if (!ref) {
  console.error('usage: node bench/ship-cost.ts IMAGE');
  process.exit(2);
}

/** CPU seconds of a process (user + system). */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const dockerd = Number(readFileSync('/var/run/docker.pid', 'utf8'));
const own = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** The spool re-packed entry by entry, as filterTar does. */
function repack(spool: string): Readable {
  const ex = extract();
  const out = pack();
  ex.on('entry', (header, stream, next) => {
    const entry = out.entry(header, (error) => (error ? ex.destroy(error) : next()));
    stream.pipe(entry);
  });
  ex.on('finish', () => out.finalize());
  createReadStream(spool).pipe(ex);
  return out as unknown as Readable;
}

/** Re-pack and gzip the spool `n` times at once; bytes out of each. */
async function compress(spool: string, level: number, n: number): Promise<number> {
  let bytes = 0;
  const sink = () =>
    new Writable({
      write(chunk: Buffer, _e, done) {
        bytes += chunk.length;
        done();
      },
    });
  await Promise.all(
    Array.from({ length: n }, () => pipeline(repack(spool), createGzip({ level }), sink())),
  );
  return bytes / n;
}

async function measure(label: string, fn: () => Promise<number | undefined>): Promise<void> {
  const [t, c, d] = [performance.now(), own(), cpuOf(dockerd)];
  const bytes = await fn();
  const wall = (performance.now() - t) / 1000;
  console.log(
    `${label.padEnd(44)} ${wall.toFixed(1).padStart(6)} s wall  CPU: notesctl-like ${(own() - c).toFixed(1).padStart(5)} s, dockerd ${(cpuOf(dockerd) - d).toFixed(1).padStart(5)} s${bytes === undefined ? '' : `  ${(bytes / 1e6).toFixed(1)} MB out each`}`,
  );
}

const dir = await mkdtemp(join(tmpdir(), 'notesctl-ship-cost-'));
try {
  const spool = join(dir, 'image.tar');
  const size = (await docker.getImage(ref).inspect()).Size;
  console.log(
    `${ref}: ${(size / 1e6).toFixed(0)} MB; 2 CPUs; load ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  await measure('docker save → spool file (once per node today)', async () => {
    await pipeline(await docker.getImage(ref).get(), createWriteStream(spool));
    return undefined;
  });
  await measure('docker save × 3 at once', async () => {
    await Promise.all(
      [1, 2, 3].map(async (i) =>
        pipeline(await docker.getImage(ref).get(), createWriteStream(`${spool}.${i}`)),
      ),
    );
    return undefined;
  });
  await measure('re-pack + gzip level 6, once', () => compress(spool, 6, 1));
  await measure('re-pack + gzip level 6, × 3 at once (3 nodes)', () => compress(spool, 6, 3));
  await measure('re-pack + gzip level 1, once', () => compress(spool, 1, 1));
  await measure('re-pack only (no gzip), once', () => compress(spool, 0, 1));
} finally {
  await rm(dir, { recursive: true, force: true });
}
