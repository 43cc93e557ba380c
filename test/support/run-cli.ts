/**
 * Run notesctl as a real process and collect its output and exit code: from source by default
 * (test/support/notesctl-entry.ts), or with `built: true` the bundle users run (bin/notesctl →
 * dist/cli.js), which alone has the features that exist only in a build (the topology cache,
 * dist/mux-daemon.js).
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What a notesctl run produced. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** How to start notesctl. */
export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Run the built CLI (bin/notesctl, dist/) instead of the sources; see assertBuiltCli. */
  built?: boolean;
}

const ENTRY = join(import.meta.dirname, 'notesctl-entry.ts');
const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'notesctl');
const BUNDLE = join(ROOT, 'dist', 'cli.js');
const SOURCES = join(ROOT, 'src');

/**
 * Throw unless dist/cli.js exists and is newer than every file under src/: a test of the built
 * CLI must not pass or fail on a stale bundle.
 */
export function assertBuiltCli(): void {
  let built: number;
  try {
    built = statSync(BUNDLE).mtimeMs;
  } catch {
    throw new Error(`${BUNDLE} is missing: run npm run build before the tests of the built CLI`);
  }
  const newer = readdirSync(SOURCES, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => statSync(file).mtimeMs > built);
  if (newer.length > 0) {
    throw new Error(
      `${BUNDLE} is older than ${newer.length} file(s) under src/ (${newer.slice(0, 3).join(', ')}${newer.length > 3 ? ', …' : ''}): run npm run build`,
    );
  }
}

/** The arguments for node to run `notesctl ...args`: from source, or the built CLI. */
export function cliArgv(args: string[], built: boolean | undefined): string[] {
  if (!built) return [ENTRY, ...args];
  assertBuiltCli();
  return [BIN, ...args];
}

/** Run `notesctl ...args`; never throws on a non-zero exit. */
export async function runCli(
  args: string[],
  options: CliOptions & { input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const started = Date.now();
  const child = spawn(process.execPath, cliArgv(args, options.built), {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  return { code, signal, stdout, stderr, ms: Date.now() - started };
}

/** Start notesctl without waiting (for interrupt and concurrency tests). */
export function spawnCli(args: string[], options: CliOptions = {}) {
  return spawn(process.execPath, cliArgv(args, options.built), {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}
