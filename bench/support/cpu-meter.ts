/**
 * Where the CPU went during one timed command: the machine's busy time (/proc/stat, all cores)
 * and the CPU time of named processes (/proc/PID/stat: user + system). The command's own process
 * is sampled every 200 ms while it runs, since it is gone when the meter stops.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const TICKS_PER_S = 100;

/** CPU seconds (user + system) of a process, or undefined when it is gone. */
function processCpuS(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces) start with the state (field 3).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return undefined;
  }
}

/** Busy and total CPU seconds of the whole machine since boot. */
function machineCpuS(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: (total - idle) / TICKS_PER_S, total: total / TICKS_PER_S };
}

/** What the meter measured. */
export interface CpuUse {
  wallS: number;
  cores: number;
  /** Busy CPU seconds of the machine (all processes). */
  machineS: number;
  /** CPU seconds per named process (the command's own under `command`). */
  byProcess: Record<string, number>;
}

/** Start measuring; `others` are processes read at start and stop (e.g. dockerds). */
export function startCpuMeter(others: Record<string, number>) {
  const started = performance.now();
  const machine = machineCpuS();
  const before = Object.fromEntries(
    Object.entries(others).map(([name, pid]) => [name, processCpuS(pid) ?? 0]),
  );
  let commandPid: number | undefined;
  let commandS = 0;
  const timer = setInterval(() => {
    if (commandPid !== undefined) commandS = processCpuS(commandPid) ?? commandS;
  }, 200);
  return {
    /** The command's process, sampled until it exits. */
    watch(pid: number): void {
      commandPid = pid;
    },
    stop(): CpuUse {
      clearInterval(timer);
      const after = machineCpuS();
      const byProcess: Record<string, number> = { command: commandS };
      for (const [name, pid] of Object.entries(others))
        byProcess[name] = (processCpuS(pid) ?? 0) - (before[name] ?? 0);
      return {
        wallS: (performance.now() - started) / 1000,
        cores: availableParallelism(),
        machineS: after.busy - machine.busy,
        byProcess,
      };
    },
  };
}

/** `2.1 of 2 cores (notesctl 0.9 s, dockerd here 3.2 s, …)` */
export function formatCpu(use: CpuUse, names: Record<string, string> = {}): string {
  const parts = Object.entries(use.byProcess)
    .filter(([, s]) => s > 0.05)
    .map(([name, s]) => `${names[name] ?? name} ${s.toFixed(1)} s`);
  const busy = use.machineS / use.wallS;
  return `${use.machineS.toFixed(1)} CPU-s in ${use.wallS.toFixed(1)} s = ${busy.toFixed(2)} of ${use.cores} cores busy (${parts.join(', ')})`;
}
