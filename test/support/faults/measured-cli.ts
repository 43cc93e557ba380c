/**
 * Run notesctl under GNU time (`/usr/bin/time -f %M`) to learn the peak resident memory of the
 * whole process, besides its exit code, output and wall time — the bounds issue 7 asks to report
 * for hostile input.
 */
import { spawn } from 'node:child_process';
import { cliArgv } from '../run-cli.ts';

/** What a measured run produced. */
export interface MeasuredRun {
  code: number | null;
  stdout: string;
  /** notesctl's own stderr (GNU time's line removed). */
  stderr: string;
  ms: number;
  /** Peak resident set size of the notesctl process, in KiB. */
  maxRssKb: number;
}

const MARK = 'notesctl-max-rss-kb=';

/** Run `notesctl ...args` under /usr/bin/time; never throws on a non-zero exit. */
export async function runMeasured(
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs?: number; built?: boolean },
): Promise<MeasuredRun> {
  const started = performance.now();
  const child = spawn(
    '/usr/bin/time',
    ['-q', '-f', `${MARK}%M`, process.execPath, ...cliArgv(args, options.built)],
    {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const ms = performance.now() - started;
  const at = stderr.lastIndexOf(MARK);
  if (at < 0) throw new Error(`no memory figure from /usr/bin/time in: ${stderr.slice(-500)}`);
  const maxRssKb = Number(stderr.slice(at + MARK.length).trim());
  return { code, stdout, stderr: stderr.slice(0, at), ms, maxRssKb };
}
