/**
 * One timed command of bench/swarm.ts: spawned, timed from spawn to exit, its CPU and the
 * machine's metered (cpu-meter.ts), and for notesctl `--json` its progress events (JSON lines
 * on stderr, with their time since the spawn) and its summary (stdout).
 */
import { spawn } from 'node:child_process';
import { trackChild } from './cleanup.ts';
import { startCpuMeter, type CpuUse } from './cpu-meter.ts';

/** A progress event of notesctl (src/apply/events.ts), as `--json` prints it. */
export interface TimedEvent {
  /** ms since the spawn. */
  at: number;
  type: string;
  id?: string;
  text?: string;
  ms?: number;
  error?: string;
}

/** What a timed command did. */
export interface TimedRun {
  ms: number;
  stdout: string;
  stderr: string;
  events: TimedEvent[];
  cpu: CpuUse;
}

/** How to run it. */
export interface RunSpec {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** Processes whose CPU time to meter besides the command's (name → pid). */
  meter?: Record<string, number>;
  timeoutMs?: number;
}

/** Run to completion; throws with the output's tail when it fails. */
export async function runTimed(spec: RunSpec): Promise<TimedRun> {
  const [file = '', ...args] = spec.argv;
  const meter = startCpuMeter(spec.meter ?? {});
  const spawnedAt = Date.now();
  const started = performance.now();
  const child = spawn(file, args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  if (child.pid !== undefined) meter.watch(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGTERM'), spec.timeoutMs ?? 900_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
    (resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, s) => resolve([c, s]));
    },
  );
  clearTimeout(timer);
  const ms = performance.now() - started;
  const cpu = meter.stop();
  if (code !== 0)
    throw new Error(
      `\`${spec.argv.join(' ')}\` failed (${signal ?? `exit ${code}`}) after ${Math.round(ms)} ms:\n${stderr.slice(-6000)}\n${stdout.slice(-2000)}`,
    );
  return { ms, stdout, stderr, events: parseEvents(stderr, spawnedAt), cpu };
}

/** The JSON event lines of stderr, timed from the spawn. */
function parseEvents(stderr: string, spawnedAt: number): TimedEvent[] {
  return stderr.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      const event = JSON.parse(line) as Omit<TimedEvent, 'at'> & { time?: string };
      const at = event.time === undefined ? NaN : Date.parse(event.time) - spawnedAt;
      return [{ ...event, at }];
    } catch {
      return [];
    }
  });
}

/** Poll `check` every `intervalMs` until it holds; throws after `deadlineMs`. */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  deadlineMs = 600_000,
  intervalMs = 250,
): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${deadlineMs / 1000} s`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
