// Tearing a test host down quickly and completely: its running containers first, then what its
// dockerd can leave when it did not shut down cleanly (killed, or a crashed run): container
// processes outside the host's network namespace, their cgroups, mounts; and its directory.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { docker } from './docker-cli.ts';
import { pingEngine } from './engine.ts';
import { terminate } from './procs.ts';
import { dataDir } from './state.ts';

/** The cgroup directories Docker may have made for a container, v1 (cgroupfs) or v2. */
function containerCgroups(id: string): string[] {
  const root = '/sys/fs/cgroup';
  const v2 = [join(root, 'docker', id), join(root, 'system.slice', `docker-${id}.scope`)];
  const v1 = existsSync(join(root, 'cgroup.controllers'))
    ? []
    : readdirSync(root).flatMap((controller) => [
        join(root, controller, 'docker', id),
        join(root, controller, 'system.slice', `docker-${id}.scope`),
      ]);
  return [...v2, ...v1].filter((dir) => existsSync(join(dir, 'cgroup.procs')));
}

function cgroupPids(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** SIGKILL every running container of an engine, if it answers. */
export async function killContainers(socketPath: string): Promise<void> {
  if (!(await pingEngine({ kind: 'unix', socketPath }, 1000))) return;
  const env = { DOCKER_HOST: `unix://${socketPath}` };
  const running = await docker(['ps', '-q'], { env, reject: false });
  const ids = running.stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await docker(['kill', ...ids], { env, reject: false, timeoutMs: 20_000 });
}

/** Kill the processes of the host engine's containers and remove their cgroups. */
export async function killContainerLeftovers(dataRoot: string): Promise<number> {
  const containers = join(dataRoot, 'containers');
  if (!existsSync(containers)) return 0;
  let killed = 0;
  for (const id of readdirSync(containers)) {
    const cgroups = containerCgroups(id);
    const pids = [...new Set(cgroups.flatMap(cgroupPids))];
    killed += pids.length;
    await terminate(pids, 2000);
    for (const dir of cgroups) {
      try {
        rmdirSync(dir);
      } catch {
        // Still busy or already removed: the kernel frees it once empty.
      }
    }
  }
  return killed;
}

/** Lazily unmount anything the machine has mounted under `dir` (deepest first). */
export async function unmountUnder(dir: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mountpoint) => mountpoint === dir || mountpoint.startsWith(`${dir}/`))
    .sort()
    .reverse();
  for (const mountpoint of mounts) await execa('umount', ['-l', mountpoint], { reject: false });
}

/** Where removed host directories wait for their background deletion. */
const trashDir = join(dataDir, 'trash');

/**
 * Remove a host directory without waiting: it moves aside at once (so the name is free and nothing
 * of the host is left at its path) and is deleted in the background; an image store takes seconds.
 */
export function discardDir(dir: string): void {
  if (!existsSync(dir)) return;
  mkdirSync(trashDir, { recursive: true });
  const target = join(trashDir, `${basename(dir)}-${Date.now()}-${process.pid}`);
  renameSync(dir, target);
  purgeTrash();
}

/** Delete everything in the trash in a detached, low-priority process. */
export function purgeTrash(): void {
  if (!existsSync(trashDir) || readdirSync(trashDir).length === 0) return;
  const child = spawn('nice', ['-n', '19', 'sh', '-c', 'rm -rf -- "$0"/*', trashDir], {
    detached: true,
    stdio: 'ignore',
  });
  child.on('error', () => undefined);
  child.unref();
}
