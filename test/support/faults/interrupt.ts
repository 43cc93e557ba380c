/**
 * Interrupting `notesctl up` and checking that the next one converges (issue 7): stop a running
 * `up` with SIGINT or SIGKILL at a chosen point of its progress output, then list what the
 * engine holds for the project (by label, never by name) and what the state folder holds, and
 * say what is wrong: duplicate or orphan containers, networks or volumes, a secret store that is
 * not the JSON notesctl writes or not private, temp files left beside it, a lock left behind by
 * a process that exited cleanly.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';

/** Where to interrupt: when stderr first matches `at` (or after `ms`), send `signal`. */
export interface InterruptPoint {
  signal: 'SIGINT' | 'SIGKILL';
  at: RegExp | { ms: number };
}

/** What the interrupted run did. */
export interface Interrupted {
  /** False when `up` finished before the point was reached (nothing was sent). */
  fired: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** ms from spawn to the signal. */
  atMs: number;
}

/** Run `child` (a spawned `notesctl up`) until `point`, signal it, and wait for its exit. */
export async function interruptAt(
  child: ChildProcess,
  point: InterruptPoint,
): Promise<Interrupted> {
  const started = performance.now();
  let stderr = '';
  let fired = false;
  let atMs = 0;
  const fire = () => {
    if (fired || child.exitCode !== null || child.signalCode !== null) return;
    fired = true;
    atMs = performance.now() - started;
    child.kill(point.signal);
  };
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (code, signal) => resolve([code, signal])),
  );
  child.stdout?.resume();
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (point.at instanceof RegExp && point.at.test(stderr)) fire();
  });
  child.stdin?.end();
  const timer = point.at instanceof RegExp ? undefined : setTimeout(fire, point.at.ms);
  // A run that never reaches its point is killed after 5 minutes rather than hang the suite.
  const guard = setTimeout(() => child.kill('SIGKILL'), 300_000);
  const [code, signal] = await exited;
  clearTimeout(timer);
  clearTimeout(guard);
  return { fired, code, signal, stderr, atMs };
}

/** What the topology declares, as engine-side names. */
export interface Expected {
  services: string[];
  /** Services that run once and exit 0 (restart: no). */
  oneShot?: string[];
  networks: string[];
  volumes: string[];
}

/** Problems with what the engine holds for `project` after a converging `up`. */
export async function engineProblems(
  docker: Docker,
  project: string,
  expected: Expected,
): Promise<string[]> {
  const filters = JSON.stringify({ label: [`io.notesctl.project=${project}`] });
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  const problems: string[] = [];
  const byService = new Map<string, Docker.ContainerInfo[]>();
  for (const c of containers) {
    const service = c.Labels['io.notesctl.service'] ?? '?';
    byService.set(service, [...(byService.get(service) ?? []), c]);
  }
  for (const [service, list] of byService) {
    if (!expected.services.includes(service))
      problems.push(`orphan container(s) of service ${service}: ${names(list)}`);
    else if (list.length > 1)
      problems.push(`${list.length} containers for ${service}: ${names(list)}`);
  }
  for (const service of expected.services) {
    const [c] = byService.get(service) ?? [];
    if (!c) problems.push(`no container for ${service}`);
    else if (expected.oneShot?.includes(service)) {
      if (c.State !== 'exited' || !c.Status.startsWith('Exited (0)'))
        problems.push(`${service} (one-shot): ${c.Status}`);
    } else if (c.State !== 'running') problems.push(`${service}: ${c.State} (${c.Status})`);
  }
  const networkNames = networks.map((n) => n.Name).sort();
  if (JSON.stringify(networkNames) !== JSON.stringify([...expected.networks].sort()))
    problems.push(`networks ${networkNames.join(', ')}; expected ${expected.networks.join(', ')}`);
  // The engine may send null for an empty list, whatever the types say.
  const volumeList = volumes.Volumes as Docker.VolumeInspectInfo[] | null;
  const volumeNames = (volumeList ?? []).map((v) => v.Name).sort();
  if (JSON.stringify(volumeNames) !== JSON.stringify([...expected.volumes].sort()))
    problems.push(`volumes ${volumeNames.join(', ')}; expected ${expected.volumes.join(', ')}`);
  return problems;
}

function names(list: Docker.ContainerInfo[]): string {
  return list.map((c) => `${(c.Names[0] ?? '').slice(1)} (${c.State})`).join(', ');
}

/**
 * Problems with the state folder `home` for `project` on `local`: the secret store must be
 * absent or complete JSON, 0600 in a 0700 folder, with no temp file beside it; the lock must be
 * gone unless `lockMayRemain` (its owner was killed and could not remove it).
 */
export async function stateProblems(
  home: string,
  project: string,
  options: { lockMayRemain: boolean },
): Promise<string[]> {
  const problems: string[] = [];
  const secretsDir = join(home, 'secrets');
  if (existsSync(secretsDir)) {
    const mode = (await stat(secretsDir)).mode & 0o777;
    if (mode !== 0o700) problems.push(`secrets folder mode ${mode.toString(8)}`);
    for (const entry of await readdir(secretsDir)) {
      const path = join(secretsDir, entry);
      if (!entry.endsWith('.json')) {
        problems.push(`left in the secrets folder: ${entry}`);
        continue;
      }
      const fileMode = (await stat(path)).mode & 0o777;
      if (fileMode !== 0o600) problems.push(`${entry} mode ${fileMode.toString(8)}`);
      try {
        const parsed = JSON.parse(await readFile(path, 'utf8')) as { version?: unknown };
        if (parsed.version !== 1) problems.push(`${entry}: not a version 1 store`);
      } catch {
        problems.push(`${entry}: not valid JSON (half-written?)`);
      }
    }
  }
  const lock = join(home, 'locks', `${project}@local.lock`);
  if (!options.lockMayRemain && existsSync(lock)) problems.push(`lock left behind: ${lock}`);
  return problems;
}
