/**
 * CPU contention on this machine, from the kernel's pressure stall information
 * (/proc/pressure/cpu, "some": the share of wall time in which at least one runnable task waited
 * for a CPU). Fault tests that measure a recovery time against a bound use it to tell a slow
 * recovery from a starved machine (other suites, benches, builds on the same 2 cores).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** `some` line of /proc/pressure/cpu: avg10 (%) and total (µs); undefined without PSI. */
function readSome(): { avg10: number; totalUs: number } | undefined {
  try {
    const line = readFileSync('/proc/pressure/cpu', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('some '));
    const avg10 = Number(/avg10=([\d.]+)/.exec(line ?? '')?.[1]);
    const totalUs = Number(/total=(\d+)/.exec(line ?? '')?.[1]);
    return Number.isFinite(avg10) && Number.isFinite(totalUs) ? { avg10, totalUs } : undefined;
  } catch {
    return undefined;
  }
}

/** Start measuring; the function returned gives the stalled share (0-1) since then. */
export function cpuStallMeter(): () => number | undefined {
  const start = readSome();
  const started = performance.now();
  return () => {
    const now = readSome();
    const wallUs = (performance.now() - started) * 1000;
    if (!start || !now || wallUs <= 0) return undefined;
    return Math.min(1, (now.totalUs - start.totalUs) / wallUs);
  };
}

/** Wait (at most `maxMs`) until the 10 s stall average is below `percent`; resolves with it. */
export async function untilCpuCalmer(percent: number, maxMs: number): Promise<number | undefined> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const avg10 = readSome()?.avg10;
    if (avg10 === undefined || avg10 < percent || Date.now() > deadline) return avg10;
    await sleep(1000);
  }
}
