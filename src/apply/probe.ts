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
const LOOP_ATTEMPTS = 25;
/** How much of a check's output is kept for the error message. */
const KEEP_CHARS = 2000;
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

/** The tail of what a check printed, and a stream that appends to it. */
function outputTail(): { append(more: string): void; text(): string; stream: Writable } {
  let kept = '';
  const append = (more: string): void => {
    kept = (kept + more).slice(-KEEP_CHARS);
  };
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      append(chunk.toString());
      callback();
    },
  });
  return { append, text: () => kept, stream };
}

/** Run the check in a loop inside the container (see the module comment). */
export async function probeLoop(
  engine: Engine,
  containerId: string,
  test: string[],
  signal: AbortSignal,
  onCheck: (check: number, exitCode: number) => void,
): Promise<ProbeResult> {
  const tail = outputTail();
  let checks = 0;
  const state = { marked: false };
  let pending = '';
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const progress = /^notesctl-wait (\d+) (\d+)$/.exec(line);
        if (!state.marked && line === MARKER) state.marked = true;
        else if (state.marked && progress) {
          checks = Number(progress[1]);
          onCheck(checks, Number(progress[2]));
        } else tail.append(`${line}\n`);
      }
      callback();
    },
  });
  const cmd = ['/bin/sh', '-c', LOOP_SCRIPT, MARKER, String(LOOP_ATTEMPTS), ...checkArgv(test)];
  const result = await runExec(engine, containerId, cmd, stdout, tail.stream, signal);
  const output = `${result.output ?? tail.text()}${pending}`;
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
  const tail = outputTail();
  const result = await runExec(
    engine,
    containerId,
    checkArgv(test),
    tail.stream,
    tail.stream,
    signal,
  );
  return {
    exitCode: result.exitCode,
    output: result.output ?? tail.text(),
    checks: 1,
    noShell: false,
  };
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
