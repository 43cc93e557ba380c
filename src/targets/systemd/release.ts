/**
 * Releases of `build:` services for a plain server (issue 21), made on the operator's machine:
 * the build context (as Docker would receive it, .dockerignore honoured) is copied to a scratch
 * folder, `npm ci` (or a copy of the tree it installed for the same lock file: deps-cache.ts),
 * `npm run build` (when the app has a build script), `npm prune --omit=dev`,
 * then packed as a reproducible .tar.gz. The release id is a digest of the context and the Node
 * major: an unchanged app has the same id, so nothing is built or shipped. Packed releases are
 * kept under the state folder (`releases/`) for the next deploys, each with its file manifest
 * beside it (`<id>.files`, manifest.ts): what a deploy compares with the server's release to
 * send only the files that changed.
 */
import { execFile } from 'node:child_process';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { listContext, contextDigest, type BuildContext } from '../../build/context.ts';
import { RuntimeError } from '../../errors.ts';
import type { Service } from '../../model/topology.ts';
import { stateDir } from '../../state-dir.ts';
import { cachedDeps, copyTree, depsKey, saveDeps } from './deps-cache.ts';
import { formatManifest, parseManifest, type Manifest } from './manifest.ts';
import { manifestOfArchive } from './release-files.ts';

const run = promisify(execFile);

/** A service's release, known before it is built. */
export interface ReleaseRef {
  project: string;
  service: string;
  id: string;
  context: BuildContext;
  /** Where the packed archive is (or will be) on the operator's machine. */
  file: string;
}

/** The release id of a `build:` service (reads its context; builds nothing). */
export async function releaseOf(
  project: string,
  service: Service,
  major: number,
): Promise<ReleaseRef> {
  if (service.image.kind !== 'build') throw new Error(`bug: ${service.name} has no build:`);
  const context = await listContext(service.image.context, service.image.dockerfile);
  const digest = await contextDigest(context, {
    release: 'systemd',
    major,
    args: service.image.args,
  });
  const id = digest.slice(0, 12);
  const file = join(stateDir(), 'releases', project, service.name, `${id}.tar.gz`);
  return { project, service: service.name, id, context, file };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Run one build command in `cwd`; a failure names `what` and the command's last words. */
export async function step(
  cwd: string,
  what: string,
  command: string,
  args: string[],
): Promise<void> {
  await run(command, args, {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  }).catch((error: unknown) => {
    const output = (error as { stderr?: string }).stderr ?? String(error);
    throw new RuntimeError(
      `building ${what}: \`${command} ${args.join(' ')}\` failed:\n${output.trimEnd().split('\n').slice(-15).join('\n')}`,
    );
  });
}

/** Build and pack the release unless it is already packed; resolves to its archive. */
export async function packRelease(ref: ReleaseRef, major: number): Promise<string> {
  if (await exists(ref.file)) return ref.file;
  const operatorMajor = Number(process.versions.node.split('.')[0]);
  if (operatorMajor !== major) {
    throw new RuntimeError(
      `${ref.service} runs on Node ${major} on the server, but this machine has Node ${process.versions.node}: the release would be built with another major`,
      { hint: `Run notesctl with Node ${major}.` },
    );
  }
  const scratch = await mkdtemp(join(tmpdir(), `notesctl-release-${ref.service}-`));
  try {
    const app = join(scratch, 'app');
    for (const entry of ref.context.entries) {
      const from = join(ref.context.directory, entry.path);
      const to = join(app, entry.path);
      if (entry.kind === 'directory') await mkdir(to, { recursive: true });
      else {
        await mkdir(dirname(to), { recursive: true });
        if (entry.kind === 'symlink') await symlink(await readlink(from), to);
        else await copyFile(from, to);
      }
    }
    const what = `the release of ${ref.service}`;
    // npm ci once per set of dependencies (deps-cache.ts); a copy of its tree after that.
    const key = await depsKey(app, major);
    const cached = await cachedDeps(ref.project, ref.service, key);
    if (cached) await copyTree(cached, join(app, 'node_modules'));
    else {
      await step(app, what, 'npm', ['ci', '--no-audit', '--no-fund']);
      if (await exists(join(app, 'node_modules')))
        await saveDeps(ref.project, ref.service, key, join(app, 'node_modules'));
    }
    await step(app, what, 'npm', ['run', 'build', '--if-present']);
    await step(app, what, 'npm', ['prune', '--omit=dev', '--no-audit', '--no-fund']);
    // A manifest left from an earlier archive of this id may not describe this one.
    await rm(manifestFile(ref), { force: true });
    await packTree(app, ref.file, what);
    await releaseManifest(ref);
    return ref.file;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Where the manifest of a packed release is kept (beside its archive). */
export function manifestFile(ref: ReleaseRef): string {
  return ref.file.replace(/\.tar\.gz$/, '.files');
}

/**
 * The manifest of a packed release: the one kept beside its archive, else read from the archive
 * (packed before manifests existed, or the file was lost) and kept.
 */
export async function releaseManifest(ref: ReleaseRef): Promise<Manifest> {
  const file = manifestFile(ref);
  const kept = await readFile(file, 'utf8').then(parseManifest, () => undefined);
  if (kept) return kept;
  const manifest = await manifestOfArchive(ref.file, `the release of ${ref.service}`);
  await writeFile(`${file}.${process.pid}.tmp`, formatManifest(manifest));
  await rename(`${file}.${process.pid}.tmp`, file);
  return manifest;
}

/** The manifests kept beside the other packed releases of `ref`'s service (newest 10): id → manifest. */
export async function keptManifests(ref: ReleaseRef): Promise<Map<string, Manifest>> {
  const folder = dirname(ref.file);
  const names = (await readdir(folder).catch(() => [])).filter(
    (n) => n.endsWith('.files') && n !== `${ref.id}.files`,
  );
  const dated = await Promise.all(
    names.map(async (n) => ({ n, at: (await stat(join(folder, n))).mtimeMs })),
  );
  const kept = new Map<string, Manifest>();
  for (const { n } of dated.sort((x, y) => y.at - x.at).slice(0, 10)) {
    const manifest = parseManifest(await readFile(join(folder, n), 'utf8'));
    if (manifest) kept.set(n.slice(0, -'.files'.length), manifest);
  }
  return kept;
}

/** Pack `dir` as a reproducible .tar.gz at `file` (names sorted, one owner, one time). */
export async function packTree(dir: string, file: string, what: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const packed = `${file}.${process.pid}.tmp`;
  await step(dir, what, 'tar', [
    '--sort=name',
    '--mtime=@0',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    // A file linked twice in the tree is two files (a manifest lists each with its content).
    '--hard-dereference',
    '-czf',
    packed,
    '.',
  ]);
  await rename(packed, file);
}
