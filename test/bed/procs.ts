// Processes of the test bed: liveness that treats zombies as gone (this machine's pid 1 reaps
// orphans only now and then), pid files, and stopping with a deadline.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Fields of /proc/PID/stat after the command name, or undefined when there is no such process. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** True when the process exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** The process's start time in clock ticks since boot: with the pid, it names one process. */
export function startTime(pid: number): number | undefined {
  const ticks = statFields(pid)?.[19];
  return ticks === undefined ? undefined : Number(ticks);
}

/** The program name of a process (/proc/PID/comm), or '' when it is gone. */
export function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The pid in a pid file, or undefined when the file is missing or unreadable. */
export function readPidFile(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Wait until none of `pids` runs; false when `timeoutMs` passes first. */
export async function waitForExit(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isRunning)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** SIGTERM `pids`, wait up to `graceMs`, then SIGKILL what is left and wait for it to go. */
export async function terminate(pids: readonly number[], graceMs: number): Promise<void> {
  const alive = pids.filter(isRunning);
  for (const pid of alive) signal(pid, 'SIGTERM');
  if (await waitForExit(alive, graceMs)) return;
  for (const pid of alive.filter(isRunning)) signal(pid, 'SIGKILL');
  await waitForExit(alive, 5000);
}

/** Pids of running processes whose namespace of `kind` (net, mnt, …) is the one at `nsPath`. */
export function processesInNamespace(kind: string, nsPath: string): number[] {
  let target: { dev: number; ino: number };
  try {
    target = statSync(nsPath);
  } catch {
    return [];
  }
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        const ns = statSync(`/proc/${pid}/ns/${kind}`);
        return ns.dev === target.dev && ns.ino === target.ino && isRunning(pid);
      } catch {
        return false;
      }
    });
}
