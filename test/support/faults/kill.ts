/**
 * `kill -9` of a container's main process, from the machine (as an OOM killer or a crash would
 * end it, not through the engine), and how long the service takes to be back: running again
 * (restart policy), ready (its own healthcheck command passes, run through exec as `notesctl up`
 * does), and healthy by Docker's own status (which waits for the healthcheck's interval).
 */
import type Docker from 'dockerode';
import { execIn } from '../container-exec.ts';

/** Recovery times after the kill, in ms. */
export interface Recovery {
  pid: number;
  /** Until the engine runs the container again. */
  runningMs: number;
  /** Until the service's healthcheck command passes. */
  readyMs: number;
  /** Until Docker reports it healthy. */
  healthyMs: number;
  restartCount: number;
}

/** SIGKILL the main process of container `id` and wait (up to `deadlineMs`) for it to recover. */
export async function killAndWatch(
  docker: Docker,
  id: string,
  deadlineMs = 60_000,
): Promise<Recovery> {
  const container = docker.getContainer(id);
  const before = await container.inspect();
  const pid = before.State.Pid;
  if (!before.State.Running || pid <= 0) throw new Error(`${before.Name} is not running`);
  const test = before.Config.Healthcheck?.Test ?? [];
  const probe =
    test[0] === 'CMD'
      ? test.slice(1)
      : test[0] === 'CMD-SHELL'
        ? ['/bin/sh', '-c', test.slice(1).join(' ')]
        : undefined;
  if (!probe) throw new Error(`${before.Name} has no healthcheck`);
  const killed = performance.now();
  process.kill(pid, 'SIGKILL');
  const since = () => Math.round(performance.now() - killed);
  let runningMs = -1;
  let readyMs = -1;
  let healthyMs = -1;
  let restartCount = before.RestartCount;
  while (healthyMs < 0 || readyMs < 0) {
    if (since() > deadlineMs)
      throw new Error(
        `${before.Name} not back ${deadlineMs} ms after kill -9 (running ${runningMs}, ready ${readyMs})`,
      );
    const now = await container.inspect();
    const restarted = now.State.Running && now.State.StartedAt !== before.State.StartedAt;
    if (restarted && runningMs < 0) runningMs = since();
    if (restarted && readyMs < 0 && (await execIn(docker, id, probe).catch(() => -1)) === 0)
      readyMs = since();
    if (restarted && healthyMs < 0 && now.State.Health?.Status === 'healthy') healthyMs = since();
    restartCount = now.RestartCount;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid, runningMs, readyMs, healthyMs, restartCount };
}
