/**
 * PM2 as shipped to a `runtime: pm2` host (issue 21): the version pinned in
 * templates/pm2/package.json with every dependency locked (package-lock.json, whose integrity
 * hashes `npm ci` checks), installed on the operator's machine from the npm registry with no
 * install scripts, plus notesctl's launcher.cjs, packed reproducibly. The server needs neither
 * npm nor the registry (like Node and the releases, it arrives over the SSH connection). The
 * bundle id is a digest of those three files, so a new pin or launcher is a new bundle.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stateDir } from '../../state-dir.ts';
import { packTree, step } from '../systemd/release.ts';

/** templates/pm2 (src/… and dist/… are at the same depth under the package root). */
const TEMPLATE = fileURLToPath(new URL('../../../templates/pm2', import.meta.url));
const FILES = ['package.json', 'package-lock.json', 'launcher.cjs'];

/** A PM2 bundle: its id, the pinned version, and where its archive is (or will be). */
export interface Pm2Bundle {
  id: string;
  version: string;
  file: string;
}

/** The bundle notesctl ships (reads the template; builds nothing). */
export async function pm2Bundle(template = TEMPLATE): Promise<Pm2Bundle> {
  const hash = createHash('sha256');
  for (const name of FILES) hash.update(name).update(await readFile(join(template, name)));
  const pkg = JSON.parse(await readFile(join(template, 'package.json'), 'utf8')) as {
    dependencies: { pm2: string };
  };
  const id = hash.digest('hex').slice(0, 12);
  return { id, version: pkg.dependencies.pm2, file: join(stateDir(), 'pm2', `${id}.tar.gz`) };
}

/** Build and pack the bundle unless it is packed already; resolves to its archive. */
export async function packPm2Bundle(bundle: Pm2Bundle, template = TEMPLATE): Promise<string> {
  const packed = await stat(bundle.file).then(
    () => true,
    () => false,
  );
  if (packed) return bundle.file;
  const scratch = await mkdtemp(join(tmpdir(), 'notesctl-pm2-'));
  try {
    for (const name of FILES) await copyFile(join(template, name), join(scratch, name));
    const what = `PM2 ${bundle.version}`;
    await step(scratch, what, 'npm', [
      'ci',
      '--omit=dev',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
    ]);
    await mkdir(join(stateDir(), 'pm2'), { recursive: true });
    await packTree(scratch, bundle.file, what);
    return bundle.file;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
