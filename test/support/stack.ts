/**
 * A private copy of the Notes stack for one test file: the repository's topology (with its own
 * project name and published port) and app folders in a temp dir, its own NOTESCTL_HOME, and
 * helpers to look at what the real engine holds.
 */
import Docker from 'dockerode';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../bed/mariadb.ts';
import { removeProject } from './remove-project.ts';
import { runCli, type CliResult } from './run-cli.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** One test's copy of the stack. */
export interface Stack {
  project: string;
  /** Where notes answers on the host: its own published port, or the edge proxy's HTTP port. */
  port: number;
  /** The edge proxy's HTTPS port (with `proxy` only). */
  httpsPort: number | undefined;
  dir: string;
  env: Record<string, string>;
  docker: Docker;
  cli(
    args: string[],
    options?: { input?: string; env?: Record<string, string> },
  ): Promise<CliResult>;
  /** Containers of the project (all states), by service. */
  containers(): Promise<Map<string, Docker.ContainerInfo>>;
  /** Every secret value in the operator's store for this project on `local`. */
  secretValues(): Promise<string[]>;
  destroy(): Promise<void>;
}

/** The line of the repository's topology that puts notes behind the edge proxy. */
const NOTES_HTTP = '    http: { port: 3000, path: /health }\n';
/** The line that sets the edge proxy's host ports. */
const PROXY_PORTS = /^ {2}ports: \{ http: .*$/m;

/**
 * Copy the topology and apps (no node_modules/dist) and give them a unique project and port.
 * With `proxy`, notes stays behind the edge proxy, whose HTTP port is `port` (one proxy per
 * engine: hold it with holdEdgeProxy()); without, notes publishes `port` itself, so that test
 * files can run side by side without sharing a proxy.
 */
export async function createStack(
  prefix: string,
  options: { proxy?: boolean } = {},
): Promise<Stack> {
  const project = `${prefix}${Math.random().toString(36).slice(2, 8)}`;
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), `notesctl-${project}-`));
  const original = await readFile(join(ROOT, 'notesctl.config.yaml'), 'utf8');
  if (!original.includes(NOTES_HTTP) || !PROXY_PORTS.test(original))
    throw new Error('could not find the http: line of notes or the proxy ports to rewrite');
  const named = original.replace(/^project: .*$/m, `project: ${project}`);
  const httpsPort = options.proxy ? await freePort() : undefined;
  const config = options.proxy
    ? named.replace(PROXY_PORTS, `  ports: { http: ${port}, https: ${httpsPort} }`)
    : named.replace(NOTES_HTTP, `    ports: ['${port}:3000']\n`);
  await writeFile(join(dir, 'notesctl.config.yaml'), config);
  for (const app of ['notes', 'userauth']) {
    await cp(join(ROOT, 'apps', app), join(dir, 'apps', app), {
      recursive: true,
      filter: (source) => !/\/(node_modules|dist|coverage)(\/|$)/.test(source),
    });
  }
  const home = join(dir, '.notesctl-home');
  const env = { NOTESCTL_HOME: home, NOTES_PUBLIC_URL: `http://localhost:${port}` };
  const docker = new Docker({ socketPath: '/run/docker.sock' });
  return {
    project,
    port,
    httpsPort,
    dir,
    env,
    docker,
    cli: (args, options = {}) =>
      runCli(args, { cwd: dir, env: { ...env, ...options.env }, input: options.input }),
    async containers() {
      const list = await docker.listContainers({
        all: true,
        filters: JSON.stringify({ label: [`io.notesctl.project=${project}`] }),
      });
      return new Map(list.map((c) => [c.Labels['io.notesctl.service'] ?? '?', c]));
    },
    async secretValues() {
      const store = JSON.parse(
        await readFile(join(home, 'secrets', `${project}@local.json`), 'utf8'),
      ) as { secrets: Record<string, string> };
      return Object.values(store.secrets);
    },
    destroy: () => removeProject(docker, project, dir, env),
  };
}
