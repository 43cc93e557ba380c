/**
 * `kill -9` of a container's main process, from the machine (as an OOM killer or a crash would
 * end it, not through the engine), and how long the service takes to be back: running again
 * (restart policy), ready (its own healthcheck command passes, run through exec as `notesctl up`
 * does), and healthy by Docker's own status (which waits for the healthcheck's interval) — and
 * a whole round of it on the Notes stack (killRound), the same on any engine, local or remote.
 */
import type Docker from 'dockerode';
import { execIn } from '../container-exec.ts';
import type { CliResult } from '../run-cli.ts';
import { until } from '../until.ts';
import { cpuStallMeter, untilCpuCalmer } from './cpu-pressure.ts';
import { checkSeededOverHttp, seedData, snapshotData } from './notes-data.ts';
import type { DataSnapshot, Seeded } from './notes-data.ts';

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

/** A deployed Notes stack, wherever it runs, as a kill round needs it. */
export interface KillTarget {
  /** The engine the stack runs on. */
  docker: Docker;
  /** Where notes answers. */
  baseUrl: string;
  /** The stack's container ids, by service. */
  ids(): Promise<Record<string, string>>;
  /** notesctl for that stack (seedData's users add). */
  cli: (args: string[], options?: { input?: string }) => Promise<CliResult>;
}

/** What one kill round saw; the test asserts on it. */
export interface KillRound {
  recovery: Recovery;
  /** Share (0-1) of the recovery in which the machine had tasks waiting for a CPU (PSI "some"). */
  cpuStall: number | undefined;
  /** The service runs in the container that was killed (restarted by its policy, not replaced). */
  sameContainer: boolean;
  /** ms from the end of the recovery until notes' /health (its database and userauth) says 200. */
  stackHealthyMs: number;
  before: DataSnapshot;
  after: DataSnapshot;
  /** checkSeededOverHttp() after the round. */
  overHttp: string[];
}

/**
 * One round of issue 7's kill -9 fault: write one more user, note and comment (added to
 * `seeded`: an acknowledged write just before the kill must survive it too), snapshot both
 * databases (`tag` names the new rows), kill -9 `service`'s main process and watch it recover, wait (up to 20 s) for the
 * whole stack to answer, then read everything back.
 */
export async function killRound(
  target: KillTarget,
  service: string,
  seeded: Seeded,
  tag = `k-${service}`,
): Promise<KillRound> {
  const more = await seedData(target.cli, target.baseUrl, 1, tag);
  seeded.users.push(...more.users);
  seeded.notes.push(...more.notes);
  seeded.comments.push(...more.comments);
  const before = await snapshotData(target.docker, await target.ids());
  const id = (await target.ids())[service] ?? '';
  const stall = cpuStallMeter();
  const recovery = await killAndWatch(target.docker, id);
  const cpuStall = stall();
  const waited = performance.now();
  await until(async () => (await fetch(`${target.baseUrl}/health`)).status === 200, 20_000);
  const stackHealthyMs = Math.round(performance.now() - waited);
  const ids = await target.ids();
  return {
    recovery,
    cpuStall,
    sameContainer: ids[service] === id,
    stackHealthyMs,
    before,
    after: await snapshotData(target.docker, ids),
    overHttp: await checkSeededOverHttp(target.baseUrl, seeded),
  };
}

/** Share of a recovery with tasks waiting for a CPU above which a late recovery is re-measured. */
export const STARVED = 0.5;

/**
 * killRound against the bounds (own healthcheck passes within 10 s, Docker's "healthy"
 * within 15 s). A late round measured while other work starved the machine of CPU (PSI "some"
 * ≥ STARVED) is measured once more when it is calmer; a late round with CPU to spare, or a second
 * late one, is returned as it is and fails the caller's assertions. `onAttempt` sees every round
 * (each must lose nothing, late or not).
 */
export async function killRoundInTime(
  target: KillTarget,
  service: string,
  seeded: Seeded,
  onAttempt: (round: KillRound, attempt: number, note: string) => void,
): Promise<KillRound> {
  let round: KillRound | undefined;
  for (let attempt = 1; attempt <= 2; attempt++) {
    round = await killRound(target, service, seeded, `k-${service}-${attempt}`);
    const { recovery, cpuStall } = round;
    const inTime = recovery.readyMs <= 10_000 && recovery.healthyMs <= 15_000;
    const starved = (cpuStall ?? 0) >= STARVED;
    let note = '';
    if (!inTime && starved && attempt === 1) {
      const calmer = await untilCpuCalmer(STARVED * 100, 30_000);
      note = `late on a starved machine: measured again at CPU stall avg10 ${calmer ?? '?'}%`;
    }
    onAttempt(round, attempt, note);
    if (!note) break;
  }
  return round as KillRound;
}
