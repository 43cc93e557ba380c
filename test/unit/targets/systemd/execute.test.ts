/**
 * Running a plain server's plan (issue 21) through the shared DAG runner: each step's script run
 * by bash here (a Shell over local bash stands in for the SSH one), in dependency order, with the
 * progress events every target emits; after a failure nothing new starts and the first failure
 * is thrown with what the script said.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApplyEvent } from '../../../../src/apply/events.ts';
import type { Shell, ShellResult } from '../../../../src/engine/shell.ts';
import type { Plan, PlannedOperation } from '../../../../src/plan/types.ts';
import { executeSystemdPlan } from '../../../../src/targets/systemd/execute.ts';

const dir = mkdtempSync(join(tmpdir(), 'notesctl-execute-'));
const log = join(dir, 'log');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A Shell running each script with bash on this machine. */
const bash: Shell = {
  hostName: 'vps',
  run(script) {
    return new Promise<ShellResult>((resolve, reject) => {
      const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  },
  attach: () => Promise.reject(new Error('not here')),
  lost: () => undefined,
  close: () => Promise.resolve(),
};

function step(id: string, script: string, after: string[] = []): PlannedOperation {
  return {
    id,
    operation: { kind: 'host-step', service: id, title: `step ${id}`, script, input: undefined },
    after,
    cause: 'test',
  };
}

function ready(id: string, service: string, after: string[]): PlannedOperation {
  const readiness = { test: ['CMD', 'true'], timeoutMs: 5_000 };
  const operation = {
    kind: 'wait-ready' as const,
    service,
    condition: 'healthy' as const,
    containerId: undefined,
    readiness,
  };
  return { id, operation, after, cause: 'test' };
}

async function run(operations: PlannedOperation[], state = 'echo active') {
  rmSync(log, { force: true });
  const events: ApplyEvent[] = [];
  const plan: Plan = { project: 'p', host: 'vps', operations, unchanged: [], orphans: [] };
  const error = await executeSystemdPlan(plan, {
    shell: bash,
    host: 'vps',
    input: () => Promise.reject(new Error('no input here')),
    readiness: (service) => ({ name: `${service}.service`, state, check: 'true' }),
    journalTail: (service) => Promise.resolve(`last line of ${service}`),
    onEvent: (e) => events.push(e),
    signal: new AbortController().signal,
  }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  const lines = readFileSync(log, { encoding: 'utf8', flag: 'a+' }).split('\n').filter(Boolean);
  return { error, events, lines };
}

const append = (text: string, before = '') => `${before}echo ${text} >> ${log}`;

describe('executeSystemdPlan', () => {
  it('runs each step after what it waits for, with start and done events', async () => {
    const { error, events, lines } = await run([
      step('d', append('d'), ['b', 'c', 'ready:c']),
      step('a', append('a', 'sleep 0.2; ')),
      step('b', append('b'), ['a']),
      step('c', append('c'), ['a']),
      ready('ready:c', 'c', ['c']),
    ]);
    expect(error).toBeUndefined();
    expect(lines[0]).toBe('a');
    expect(lines.slice(1, 3).sort()).toEqual(['b', 'c']);
    expect(lines[3]).toBe('d');
    const of = (id: string) => events.filter((e) => 'id' in e && e.id === id).map((e) => e.type);
    for (const id of ['a', 'b', 'c', 'd', 'ready:c'])
      expect(of(id)).toEqual(['op-start', 'op-done']);
    expect(events.find((e) => e.type === 'op-start' && e.id === 'ready:c')).toMatchObject({
      service: 'c',
      text: 'wait until c is healthy',
    });
  });

  it('starts nothing new after a failure, lets what runs finish, and throws the first failure', async () => {
    const { error, events, lines } = await run([
      step('slow', append('slow', 'sleep 0.3; ')),
      step('bad', 'echo one >&2; echo boom >&2; exit 3'),
      step('later', append('later'), ['slow']),
    ]);
    expect(error?.message).toBe('step bad on vps failed (exit 3):\none\nboom');
    expect(lines).toEqual(['slow']);
    expect(events.some((e) => e.type === 'op-start' && e.id === 'later')).toBe(false);
    expect(events.find((e) => e.type === 'op-failed')).toMatchObject({ id: 'bad' });
  });

  it('fails a wait at once when the unit failed, with the last log lines', async () => {
    const { error } = await run([ready('ready:api', 'api', [])], 'echo failed');
    expect(error?.message).toBe(
      'api on vps did not become ready (api.service failed); last check said: api.service failed\nlast log lines:\nlast line of api',
    );
  });
});
