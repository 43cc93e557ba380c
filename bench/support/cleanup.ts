/**
 * Undoing what the benchmark created, whatever happens: actions run last-registered-first at the
 * end, on an error, and on Ctrl-C / SIGTERM (after the child processes in flight are stopped by
 * their pid, so no tool keeps creating containers behind our back).
 */
import type { ChildProcess } from 'node:child_process';
import Docker from 'dockerode';

/** The local engine, as the bench itself talks to it (the tools under test use their own). */
export const docker = new Docker({ socketPath: '/run/docker.sock' });

const actions: { name: string; fn: () => Promise<unknown> }[] = [];
const children = new Set<ChildProcess>();
let running: Promise<void> | undefined;

/** Register an undo step; steps run in reverse order of registration. */
export function onCleanup(name: string, fn: () => Promise<unknown>): void {
  actions.push({ name, fn });
}

/** Remember a child process so an interrupt can stop it (by its pid) before cleaning up. */
export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Run every undo step once (later calls wait for the first); failures are reported, not thrown. */
export function runCleanup(): Promise<void> {
  running ??= (async () => {
    for (const child of children) child.kill('SIGTERM');
    for (const { name, fn } of actions.reverse()) {
      try {
        await fn();
      } catch (error) {
        console.error(
          `cleanup: ${name} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  })();
  return running;
}

/** On SIGINT/SIGTERM: clean up, then exit 130. A second signal exits at once. */
export function cleanUpOnSignals(): void {
  let signalled = false;
  const handler = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(130);
    signalled = true;
    console.error(`\n${signal}: stopping and removing what the benchmark created…`);
    void runCleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Remove the containers (forced), networks and volumes carrying `label` (`key=value`). */
export async function removeByLabel(label: string): Promise<void> {
  const filters = JSON.stringify({ label: [label] });
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(
    containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: false })),
  );
  const networks = await docker.listNetworks({ filters });
  for (const n of networks) await docker.getNetwork(n.Id).remove();
  const volumes = (await docker.listVolumes({ filters })).Volumes as
    Docker.VolumeInspectInfo[] | null;
  for (const v of volumes ?? []) await docker.getVolume(v.Name).remove();
}
