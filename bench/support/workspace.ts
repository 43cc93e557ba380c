/**
 * The benchmark's private copy of the Notes stack: the repository's topology and app folders in a
 * temp dir, three topology files (one project name and free published port per tool), its own
 * NOTESCTL_HOME, the two app images built once with `notesctl build`, and from them the compose
 * file and the docker CLI script. Everything is registered for cleanup as soon as it exists.
 */
import { randomBytes } from 'node:crypto';
import {
  chmod,
  cp,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadTopology } from '../../src/config/index.ts';
import type { Topology } from '../../src/model/topology.ts';
import { freePort } from '../../test/bed/mariadb.ts';
import { docker, onCleanup, removeByLabel } from './cleanup.ts';
import { composeFile } from './compose-file.ts';
import { dockerScript } from './docker-script.ts';
import { timeCommand } from './timing.ts';

/** The repository root. */
export const ROOT = join(import.meta.dirname, '..', '..');
/** The built CLI, as users run it. */
export const NOTESCTL = join(ROOT, 'bin', 'notesctl');

/** Newest modification time under `dir` (ms). */
async function newest(dir: string): Promise<number> {
  let latest = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile())
      latest = Math.max(latest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return latest;
}

/** Whether dist/ exists and is newer than src/ (the benches time bin/notesctl, which runs dist/). */
export async function distIsFresh(): Promise<boolean> {
  const dist = await stat(join(ROOT, 'dist', 'cli.js')).catch(() => undefined);
  return dist !== undefined && dist.mtimeMs >= (await newest(join(ROOT, 'src')));
}

/** One tool's copy: its project name, published port and topology file. */
export interface Copy {
  project: string;
  port: number;
  file: string;
  topology: Topology;
}

/** Everything the runs need. */
export interface Workspace {
  dir: string;
  /** Environment for every child: Node 24 first on PATH, NOTESCTL_HOME, no colours. */
  env: Record<string, string>;
  notesctl: Copy;
  compose: Copy & { composeFile: string };
  script: Copy & { scriptFile: string };
  /** Image reference of every service. */
  images: Map<string, string>;
  /** `notesctl -v build ARGS` (not timed); what it creates is removed at cleanup like the first build. */
  build: (args?: string[]) => Promise<void>;
}

/** Where the secret files for compose and the script live (notesctl keeps its own). */
export interface SecretFiles {
  /** Folder to write them into, on this machine. */
  writeDir: string;
  /** The same folder as the engine that bind-mounts them sees it (a remote host's own path). */
  mountDir: string;
}

/**
 * A copy of the repository's topology where notes publishes `port` itself (the repository serves
 * it through the edge proxy; serveThroughProxy() puts notesctl's copy back behind it).
 */
async function writeCopy(dir: string, name: string, project: string, port: number) {
  const text = (await readFile(join(ROOT, 'notesctl.config.yaml'), 'utf8'))
    .replace(/^project: .*$/m, `project: ${project}`)
    .replace(/^proxy:\n {2}ports: .*\n/m, '')
    .replace('    http: { port: 3000, path: /health }\n', `    ports: ['${port}:3000']\n`);
  if (!text.includes(`'${port}:3000'`) || /^proxy:/m.test(text))
    throw new Error('could not rewrite the published port of notes or drop the proxy ports');
  const file = join(dir, name);
  await writeFile(file, text);
  const env = { ...process.env, NOTES_PUBLIC_URL: `http://localhost:${port}` };
  return { project, port, file, topology: await loadTopology(file, { env }) };
}

/** Image ids a `docker build` printed (` ---> id`): the stage images among them are ours to remove. */
function builtIds(output: string): string[] {
  return [...output.matchAll(/ ---> ([0-9a-f]{12})\b/g)].map((m) => m[1] ?? '');
}

/**
 * Copy the stack, build its images once, write the compose file, the script and the secrets
 * (into the workspace, unless `secrets` names a folder on the engine's side, e.g. a remote host).
 */
export async function prepareWorkspace(
  log: (text: string) => void,
  secrets?: SecretFiles,
): Promise<Workspace> {
  const id = `bench${randomBytes(3).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), `notesctl-${id}-`));
  onCleanup(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  for (const app of ['notes', 'userauth']) {
    await cp(join(ROOT, 'apps', app), join(dir, 'apps', app), {
      recursive: true,
      filter: (source) => !/\/(node_modules|dist|coverage)(\/|$)/.test(source),
    });
  }
  const env = {
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    NOTESCTL_HOME: join(dir, '.notesctl-home'),
    NO_COLOR: '1',
  };
  const notesctl = await writeCopy(dir, 'notesctl.config.yaml', `${id}n`, await freePort());
  const compose = await writeCopy(dir, 'compose-copy.yaml', `${id}c`, await freePort());
  const script = await writeCopy(dir, 'script-copy.yaml', `${id}s`, await freePort());

  // Cleanup order (reverse of registration): engine resources first, then images, then files.
  let before = new Set<string>();
  let output = '';
  onCleanup('remove images built for the benchmark', () =>
    removeImages(notesctl.project, before, output),
  );
  onCleanup(`remove ${notesctl.project} (notesctl)`, async () => {
    await removeByLabel(`io.notesctl.project=${notesctl.project}`);
    // Its release history (holder container and volume) has a label of its own.
    await removeByLabel(`io.notesctl.releases=${notesctl.project}`);
  });
  onCleanup(`remove ${compose.project} (compose)`, () =>
    removeByLabel(`com.docker.compose.project=${compose.project}`),
  );
  onCleanup(`remove ${script.project} (script)`, () =>
    removeByLabel(`io.notesctl.bench.script=${script.project}`),
  );

  log(`building the app images once with notesctl build (not timed)…`);
  before = new Set((await docker.listImages({ all: true })).map((i) => i.Id.slice(7, 19)));
  const build = async (args: string[] = []) => {
    await timeCommand(
      { argv: [NOTESCTL, '-v', 'build', ...args], cwd: dir, env },
      900_000,
      (text) => (output += text),
    );
  };
  await build();
  const images = new Map<string, string>();
  for (const s of Object.values(notesctl.topology.services)) {
    if (s.image.kind === 'image') images.set(s.name, s.image.ref);
  }
  const built = await docker.listImages({
    filters: JSON.stringify({ label: [`io.notesctl.project=${notesctl.project}`] }),
  });
  for (const image of built) {
    const service = image.Labels['io.notesctl.service'];
    const tag = image.RepoTags?.[0];
    if (service && tag) images.set(service, tag);
  }
  const missing = Object.keys(notesctl.topology.services).filter((s) => !images.has(s));
  if (missing.length > 0) throw new Error(`notesctl build left no image for ${missing.join(', ')}`);

  const { writeDir, mountDir: secretsDir } = secrets ?? {
    writeDir: join(dir, 'secrets'),
    mountDir: join(dir, 'secrets'),
  };
  if (secrets)
    onCleanup(`remove ${writeDir}`, () => rm(writeDir, { recursive: true, force: true }));
  await mkdir(writeDir, { mode: 0o700, recursive: true });
  await chmod(writeDir, 0o700);
  for (const name of Object.keys(compose.topology.secrets)) {
    await writeFile(join(writeDir, name), randomBytes(32).toString('base64url'), { mode: 0o444 });
  }
  const composePath = join(dir, 'docker-compose.yaml');
  await writeFile(composePath, composeFile(compose.topology, images, secretsDir));
  const scriptPath = join(dir, 'stack.sh');
  await writeFile(scriptPath, dockerScript(script.topology, script.project, images, secretsDir), {
    mode: 0o755,
  });
  return {
    dir,
    env,
    notesctl,
    compose: { ...compose, composeFile: composePath },
    script: { ...script, scriptFile: scriptPath },
    images,
    build,
  };
}

/** Remove the tagged images of `project`, then the untagged stage images its build created. */
async function removeImages(project: string, before: Set<string>, buildOutput: string) {
  const tagged = await docker.listImages({
    filters: JSON.stringify({ label: [`io.notesctl.project=${project}`] }),
  });
  for (const image of tagged) await docker.getImage(image.Id).remove({ force: true });
  // Never an image that existed before (the base image, other builds' cache), never a tagged one.
  for (const id of builtIds(buildOutput).reverse()) {
    if (before.has(id)) continue;
    const info = await docker
      .getImage(id)
      .inspect()
      .catch(() => undefined);
    if (!info || ((info.RepoTags as string[] | null) ?? []).length > 0) continue;
    await docker
      .getImage(id)
      .remove()
      .catch(() => undefined);
  }
}
