/**
 * Running a service's healthcheck through exec, for readiness (see readiness.ts). Two ways:
 *
 * - `probeLoop`: one exec runs a POSIX shell loop in the container that repeats the check every
 *   0.1 s until it passes, or gives up after a window of attempts. The wait learns of readiness
 *   within one in-container gap (plus the check itself) instead of a round trip to the engine and
 *   an exec's set-up per attempt, and over SSH it costs no round trip per attempt at all.
 * - `probeOnce`: one run of the check, for images without /bin/sh (the loop reports that).
 */
import { Writable } from 'node:stream';
import type { Engine } from '../engine/engine.ts';

/** Attempts per loop window: about 3 s with a cheap check, then the wait looks at the container. */
export const LOOP_ATTEMPTS = 25;
/** The longest one loop window (or one single check) may take before it counts as failed. */
const PROBE_TIMEOUT_MS = 15_000;
/** The first line the loop prints; without it, the shell itself could not run. */
const MARKER = 'notesctl-wait';

/**
 * $1: attempts; then the check's argv. Prints the marker, then one `notesctl-wait N CODE` line per
 * failed attempt (live progress), and at the end of a failed window the last attempt's output.
 * `sleep 0.1` is not POSIX: where it fails, a whole second.
 */
const LOOP_SCRIPT = `printf '%s\\n' ${MARKER}
attempts=$1
shift
n=0
while :; do
  out=$("$@" 2>&1)
  code=$?
  if [ "$code" -eq 0 ]; then exit 0; fi
  n=$((n + 1))
  printf '%s %s %s\\n' ${MARKER} "$n" "$code"
  if [ "$n" -ge "$attempts" ]; then printf '%s\\n' "$out"; exit "$code"; fi
  sleep 0.1 2>/dev/null || sleep 1
done`;

/** What one probe (a loop window, or a single check) found. */
export interface ProbeResult {
  exitCode: number;
  /** The last failed check's output (or why the probe could not run). */
  output: string;
  /** Checks that ran (a loop window runs several). */
  checks: number;
  /** The container has no /bin/sh: use probeOnce from now on. */
  noShell: boolean;
}

/** The argv of a Docker-style healthcheck test (`CMD …` or `CMD-SHELL …`). */
export function checkArgv(test: string[]): string[] {
  const [kind, ...rest] = test;
  if (kind === 'CMD-SHELL') return ['/bin/sh', '-c', rest.join(' ')];
  return kind === 'CMD' ? rest : test;
}

/** Run the check in a loop inside the container (see the module comment). */
export async function probeLoop(
  engine: Engine,
  containerId: string,
  test: string[],
  signal: AbortSignal,
  onCheck: (check: number, exitCode: number) => void,
): Promise<ProbeResult> {
  let text = '';
  let checks = 0;
  const state = { marked: false };
  let pending = '';
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      pending += chunk.toString();
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        const progress = /^notesctl-wait (\d+) (\d+)$/.exec(line);
        if (!state.marked && line === MARKER) state.marked = true;
        else if (state.marked && progress) {
          checks = Number(progress[1]);
          onCheck(checks, Number(progress[2]));
        } else text = (text + line + '\n').slice(-2000);
        newline = pending.indexOf('\n');
      }
      callback();
    },
  });
  const stderr = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text = (text + chunk.toString()).slice(-2000);
      callback();
    },
  });
  const cmd = ['/bin/sh', '-c', LOOP_SCRIPT, MARKER, String(LOOP_ATTEMPTS), ...checkArgv(test)];
  const result = await runExec(engine, containerId, cmd, stdout, stderr, signal);
  const output = `${result.output ?? text}${pending}`;
  if (result.exitCode === 0) return { exitCode: 0, output, checks: checks + 1, noShell: false };
  return {
    exitCode: result.exitCode,
    output,
    checks,
    noShell: !state.marked && result.output === undefined,
  };
}

/** Run the check once. */
export async function probeOnce(
  engine: Engine,
  containerId: string,
  test: string[],
  signal: AbortSignal,
): Promise<ProbeResult> {
  let text = '';
  const collect = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text = (text + chunk.toString()).slice(-2000);
      callback();
    },
  });
  const result = await runExec(engine, containerId, checkArgv(test), collect, collect, signal);
  return { exitCode: result.exitCode, output: result.output ?? text, checks: 1, noShell: false };
}

/** Exec with the probe timeout; a probe that cannot run (container restarting) is a failed check. */
async function runExec(
  engine: Engine,
  containerId: string,
  cmd: string[],
  stdout: Writable,
  stderr: Writable,
  signal: AbortSignal,
): Promise<{ exitCode: number; output?: string }> {
  const timeout = AbortSignal.timeout(PROBE_TIMEOUT_MS);
  try {
    const exitCode = await engine.exec(containerId, {
      cmd,
      stdout,
      stderr,
      signal: AbortSignal.any([signal, timeout]),
    });
    return { exitCode };
  } catch (error) {
    if (signal.aborted) throw error;
    if (timeout.aborted)
      return { exitCode: -1, output: `the check did not finish in ${PROBE_TIMEOUT_MS / 1000} s` };
    return { exitCode: -1, output: error instanceof Error ? error.message : String(error) };
  }
}
