/**
 * A private copy of a small CLI-test topology (test/fixtures/mini by default, or another folder
 * of test/fixtures): unique project name and published port, own NOTESCTL_HOME, cleaned up by
 * destroy().
 */
import Docker from 'dockerode';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../bed/mariadb.ts';
import { removeProject } from './remove-project.ts';
import { runCli, spawnCli, type CliResult } from './run-cli.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** One test file's copy of the mini topology. */
export interface Mini {
  project: string;
  port: number;
  dir: string;
  env: Record<string, string>;
  docker: Docker;
  cli(
    args: string[],
    options?: { input?: string; env?: Record<string, string>; built?: boolean },
  ): Promise<CliResult>;
  spawn(args: string[], env?: Record<string, string>): ReturnType<typeof spawnCli>;
  containers(): Promise<Docker.ContainerInfo[]>;
  destroy(): Promise<void>;
}

/** Copy test/fixtures/`fixture` with a unique project and port. */
export async function createMini(prefix: string, fixture = 'mini'): Promise<Mini> {
  const project = `${prefix}${Math.random().toString(36).slice(2, 8)}`;
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), `notesctl-${project}-`));
  await cp(join(FIXTURES, fixture), dir, { recursive: true });
  const file = join(dir, 'notesctl.config.yaml');
  await writeFile(
    file,
    (await readFile(file, 'utf8')).replace(/^project: .*$/m, `project: ${project}`),
  );
  const env = { NOTESCTL_HOME: join(dir, '.home'), WEB_PORT: String(port) };
  const docker = new Docker({ socketPath: '/run/docker.sock' });
  return {
    project,
    port,
    dir,
    env,
    docker,
    cli: (args, o = {}) =>
      runCli(args, { cwd: dir, env: { ...env, ...o.env }, input: o.input, built: o.built }),
    spawn: (args, extra = {}) => spawnCli(args, { cwd: dir, env: { ...env, ...extra } }),
    containers: () =>
      docker.listContainers({
        all: true,
        filters: JSON.stringify({ label: [`io.notesctl.project=${project}`] }),
      }),
    destroy: () => removeProject(docker, project, dir, env),
  };
}
