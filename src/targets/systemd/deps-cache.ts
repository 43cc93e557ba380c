/**
 * The installed dependencies of a plain-server release build, kept between builds (issue 21):
 * `npm ci` is most of a release's build time (~10 s of a ~14 s build of notes on the 2-core test
 * machine; bench/systemd.ts), and a one-line change leaves package.json and the lock file as they
 * were — Docker's layer cache skips the same step for the same reason. The key is a digest of the
 * files npm ci reads (package.json, package-lock.json / npm-shrinkwrap.json, .npmrc), the Node
 * major and the platform; the tree is copied (not linked: a build may rewrite a file in place)
 * into the build folder after `npm ci` ran once, and copied back out before the build on the next
 * release. The newest KEEP trees per service are kept.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stateDir } from '../../state-dir.ts';

const run = promisify(execFile);

/** The files `npm ci` reads, in the app folder. */
const INPUTS = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', '.npmrc'];
const KEEP = 2;

/** Where the installed trees of `service` of `project` live. */
function folderOf(project: string, service: string): string {
  return join(stateDir(), 'build-deps', project, service);
}

/** The key of the dependencies `app` (a build folder) installs with Node `major`. */
export async function depsKey(app: string, major: number): Promise<string> {
  const hash = createHash('sha256').update(`node${major}\0${process.platform}\0${process.arch}`);
  for (const name of INPUTS) {
    const content = await readFile(join(app, name)).catch(() => undefined);
    hash.update(`\0${name}\0`).update(content ?? '(absent)');
  }
  return hash.digest('hex').slice(0, 16);
}

/** The cached node_modules for `key`, if one was saved. */
export async function cachedDeps(
  project: string,
  service: string,
  key: string,
): Promise<string | undefined> {
  const tree = join(folderOf(project, service), key, 'node_modules');
  const found = await stat(tree).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!found) return undefined;
  const now = new Date();
  await utimes(join(folderOf(project, service), key), now, now).catch(() => undefined);
  return tree;
}

/** Copy the tree `from` to `to` (a folder that does not exist yet), modes and times kept. */
export async function copyTree(from: string, to: string): Promise<void> {
  await run('cp', ['-a', from, to]);
}

/**
 * Save a copy of `tree` (a build's node_modules right after `npm ci`) as the tree of `key`, then
 * drop all but the newest KEEP trees of the service. Copied into the cache's own folder first and
 * renamed, so a build killed meanwhile leaves no half tree under a key.
 */
export async function saveDeps(
  project: string,
  service: string,
  key: string,
  tree: string,
): Promise<void> {
  const folder = folderOf(project, service);
  const target = join(folder, key);
  const partial = join(folder, `.partial-${process.pid}`);
  await mkdir(folder, { recursive: true });
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial);
  try {
    await copyTree(tree, join(partial, 'node_modules'));
    await rm(target, { recursive: true, force: true });
    await rename(partial, target);
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  const names = (await readdir(folder)).filter((name) => !name.startsWith('.'));
  const trees = await Promise.all(
    names.map(async (name) => ({ name, at: (await stat(join(folder, name))).mtimeMs })),
  );
  trees.sort((x, y) => y.at - x.at);
  for (const old of trees.slice(KEEP))
    await rm(join(folder, old.name), { recursive: true, force: true });
}
