/**
 * Clocks: one child process timed from spawn to exit, a /health poll for "all healthy",
 * hyperfine for the short commands, and the statistics the report prints.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { trackChild } from './cleanup.ts';

/** How to run a command. */
export interface CommandSpec {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

/** Run a command to completion; returns its wall time in ms; throws with its output if it fails. */
export async function timeCommand(
  spec: CommandSpec,
  timeoutMs = 300_000,
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void,
): Promise<number> {
  const [file = '', ...args] = spec.argv;
  const started = performance.now();
  const child = spawn(file, args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  let output = '';
  const keep = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    onOutput?.(chunk.toString(), stream);
  };
  child.stdout.on('data', keep('stdout'));
  child.stderr.on('data', keep('stderr'));
  const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
    (resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, s) => resolve([c, s]));
    },
  );
  clearTimeout(timer);
  const ms = performance.now() - started;
  if (code !== 0)
    throw new Error(
      `\`${spec.argv.join(' ')}\` failed (${signal ?? `exit ${code}`}) after ${Math.round(ms)} ms:\n${output}`,
    );
  return ms;
}

/** One GET; resolves with the status code, or 0 when the connection fails or times out. */
function getStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(0));
    req.end();
  });
}

/** Poll `url` every `intervalMs` until it answers 200; throws after `deadlineMs`. */
export async function waitHttpOk(url: string, intervalMs = 20, deadlineMs = 180_000) {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    if ((await getStatus(url)) === 200) return;
    if (performance.now() > deadline)
      throw new Error(`${url} did not answer 200 within ${deadlineMs / 1000} s`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A cold `up` measured from spawn: when the tool returned, and when /health first said 200. */
export interface ColdUp {
  returnedMs: number;
  healthyMs: number;
}

/** Time `up` to all-healthy: the command returned AND notes' /health answers 200. */
export async function timeColdUp(spec: CommandSpec, healthUrl: string): Promise<ColdUp> {
  const started = performance.now();
  const returnedMs = await timeCommand(spec);
  await waitHttpOk(healthUrl);
  return { returnedMs, healthyMs: performance.now() - started };
}

/** hyperfine's figures for one command, in ms. */
export interface Sample {
  median: number;
  min: number;
  times: number[];
}

/**
 * Time a short command with hyperfine (no shell in between: `-N`), `runs` times after one
 * warm-up run. The command must not need quoting (paths here carry no spaces).
 */
export async function hyperfine(
  spec: CommandSpec,
  runs: number,
  jsonPath: string,
): Promise<Sample> {
  if (spec.argv.some((a) => /\s/.test(a)))
    throw new Error(
      `cannot pass an argument with spaces through hyperfine -N: ${spec.argv.join(' ')}`,
    );
  const run = timeCommand({
    argv: [
      'hyperfine',
      '-N',
      '--warmup',
      '1',
      '--runs',
      String(runs),
      '--style',
      'none',
      '--export-json',
      jsonPath,
      spec.argv.join(' '),
    ],
    cwd: spec.cwd,
    env: spec.env,
  });
  // hyperfine hides the command's output; run it once more so the error says what went wrong.
  await run.catch(async (error: unknown) => {
    const again = await timeCommand(spec).then(
      () => 'it succeeded when run again',
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\nrun again: ${again}`,
    );
  });
  const result = JSON.parse(await readFile(jsonPath, 'utf8')) as {
    results: { times: number[] }[];
  };
  return summarize((result.results[0]?.times ?? []).map((s) => s * 1000));
}

/** Median and minimum of a list of ms. */
export function summarize(times: number[]): Sample {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length === 0
      ? NaN
      : sorted.length % 2 === 1
        ? (sorted[mid] ?? NaN)
        : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
  return { median, min: sorted[0] ?? NaN, times };
}
