/**
 * Where a remote notesctl command's wall time goes, by timestamps rather than CPU samples (a
 * remote command mostly waits): Node's own start, the CLI until it opens the SSH connection
 * (module loading, topology, host store), the SSH session (handshake and API calls, until the
 * connection closes) and what is left. Timestamps come from trace-preload.ts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seconds } from './report.ts';
import { summarize } from './timing.ts';
import { timeCommand, type CommandSpec } from './timing.ts';
import type { Trace } from './trace-preload.ts';

const PRELOAD = join(import.meta.dirname, 'trace-preload.ts');

/** Run `spec` (a notesctl command) `runs` times traced; one line of median phases. */
export async function tracePhases(
  name: string,
  spec: CommandSpec,
  runs: number,
  dir: string,
): Promise<string> {
  const [bin = '', ...args] = spec.argv;
  const phases = new Map<string, number[]>();
  const add = (phase: string, ms: number) => phases.set(phase, [...(phases.get(phase) ?? []), ms]);
  let chunks: number[] = [];
  for (let i = 0; i < runs; i++) {
    const file = join(dir, `trace-${name.replace(/\W+/g, '-')}-${i}.json`);
    const wall = await timeCommand({
      argv: [process.execPath, '--import', PRELOAD, bin, ...args],
      cwd: spec.cwd,
      env: { ...spec.env, BENCH_TRACE_FILE: file },
    });
    const t = JSON.parse(await readFile(file, 'utf8')) as Trace;
    const connect = t.connect ?? t.exit;
    const close = t.close ?? t.exit;
    add('wall', wall);
    add('Node start', t.preload);
    add('CLI until SSH connect', connect - t.preload);
    add('SSH session', close - connect);
    add('first byte back', (t.inbound[0] ?? connect) - connect);
    add('after close', t.exit - close);
    chunks = [...chunks, t.inbound.length];
  }
  const med = (phase: string) => seconds(summarize(phases.get(phase) ?? []).median);
  return `${name}: ${med('wall')} wall = Node start ${med('Node start')} + CLI until SSH connect ${med('CLI until SSH connect')} + SSH session ${med('SSH session')} (first byte back after ${med('first byte back')}; ${summarize(chunks).median} chunks received) + after close ${med('after close')} + spawn/exit`;
}
