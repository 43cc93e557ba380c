/**
 * Running a systemd plan (issue 21): operations in dependency order, a few at a time (the
 * shared runner of src/apply/run-steps.ts, as the Swarm target uses), each a script on the host
 * over the one SSH connection (its stdin fed by `input`) or a readiness wait; progress as the
 * same events the Docker target emits. It makes no decision of its own.
 */
import type { Readable } from 'node:stream';
import type { EventSink } from '../../apply/events.ts';
import { runSteps } from '../../apply/run-steps.ts';
import type { Shell } from '../../engine/shell.ts';
import { RuntimeError } from '../../errors.ts';
import type { HostInput, Operation, Plan } from '../../plan/types.ts';
import { readinessScript } from './scripts.ts';

/** What running a plan needs. */
export interface SystemdExecution {
  shell: Shell;
  host: string;
  /** The bytes a step reads on stdin. */
  input: (input: HostInput) => Promise<Buffer | Readable>;
  /**
   * How a service's readiness is read: its name, a command printing its state (`active`,
   * `failed`, …) and its check (a bash fragment, or undefined: running is enough).
   */
  readiness: (service: string) => { name: string; state: string; check: string | undefined };
  /** What a step fed `input` did, said when it is done (a release's files sent), if anything. */
  outcome?: (input: HostInput) => string | undefined;
  /** The last lines of a service's journal, for a failure's message. */
  journalTail: (service: string) => Promise<string>;
  onEvent: EventSink;
  signal: AbortSignal;
}

const CONCURRENCY = 4;
/** Checks per readiness window (0.2 s apart: 10 s per SSH round trip at most). */
const ROUNDS = 50;

async function runStep(
  op: Operation & { kind: 'host-step' },
  x: SystemdExecution,
): Promise<string | undefined> {
  const input = op.input ? await x.input(op.input) : undefined;
  const result = await x.shell.run(op.script, { ...(input ? { input } : {}), signal: x.signal });
  if (result.code !== 0) {
    const said = result.stderr.trimEnd().split('\n').slice(-10).join('\n');
    throw new RuntimeError(
      `${op.title} on ${x.host} failed (exit ${result.code})${said ? `:\n${said}` : ''}`,
    );
  }
  return op.input ? x.outcome?.(op.input) : undefined;
}

async function waitReady(
  op: Operation & { kind: 'wait-ready' },
  x: SystemdExecution,
  onProgress: (text: string) => void,
): Promise<void> {
  const deadline = Date.now() + op.readiness.timeoutMs;
  const { name, state, check } = x.readiness(op.service);
  let last: string;
  for (let window = 1; ; window++) {
    x.signal.throwIfAborted();
    const result = await x.shell.run(readinessScript(name, state, check, ROUNDS), {
      signal: x.signal,
    });
    if (result.code === 0) return;
    last = result.stderr.trim();
    if (result.code === 3 || Date.now() > deadline) {
      const journal = await x.journalTail(op.service).catch(() => '');
      throw new RuntimeError(
        `${op.service} on ${x.host} did not become ready${result.code === 3 ? ` (${name} failed)` : ` within ${Math.round(op.readiness.timeoutMs / 1000)} s`}; last check said: ${last || '(nothing)'}${journal ? `\nlast log lines:\n${journal}` : ''}`,
        { hint: `notesctl logs ${op.service}` },
      );
    }
    onProgress(
      `waiting for ${op.service} (${window * ROUNDS} checks: ${last.split('\n').at(-1) ?? ''})`,
    );
  }
}

/** Run `plan` on the host: one script or wait per step, through the shared runner. */
export async function executeSystemdPlan(plan: Plan, x: SystemdExecution): Promise<void> {
  await runSteps(plan, {
    concurrency: CONCURRENCY,
    onEvent: x.onEvent,
    run: ({ operation }, progress) => {
      if (operation.kind === 'host-step') return runStep(operation, x);
      if (operation.kind === 'wait-ready') return waitReady(operation, x, progress);
      return Promise.reject(new Error(`bug: ${operation.kind} in a systemd plan`));
    },
  });
}
