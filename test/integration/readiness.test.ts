/**
 * How `up` waits for readiness, on the real engine (src/apply/readiness.ts, probe.ts): the
 * healthcheck repeats inside the container in one exec per window, an image without /bin/sh falls
 * back to one exec per check, and a service that exits ends the wait at once with its last log
 * lines. The execs are counted from the engine's own events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerEvents } from '../support/engine-events.ts';
import { createMini, type Mini } from '../support/mini.ts';

let mini: Mini;

/** The exec_create events of `service`'s containers since `since` (seconds). */
async function execsOf(service: string, since: number): Promise<string[]> {
  const events = await containerEvents(
    mini.docker,
    [`io.notesctl.project=${mini.project}`, `io.notesctl.service=${service}`],
    since,
  );
  return events.map((e) => e.Action).filter((action) => action.startsWith('exec_create'));
}

const cli = (args: string[]) => mini.cli(['-v', ...args]);

describe('readiness', () => {
  beforeAll(async () => {
    mini = await createMini('ready', 'readiness');
  });
  afterAll(async () => {
    await (mini as Mini | undefined)?.destroy();
  });

  it('repeats the check inside the container: one exec for a 1.5 s wait', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const up = await cli(['up', 'slow']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/waiting for slow \(check \d+: exit 1\)/);
    expect(up.stderr).toMatch(/wait until slow is healthy/);
    const execs = await execsOf('slow', since);
    // 1.5 s at one check per ~0.1 s: a dozen checks, all in the first window's exec.
    expect(execs).toHaveLength(1);
    expect(execs[0]).toMatch(/^exec_create: \/bin\/sh -c /);
  });

  it('falls back to one exec per check in an image without /bin/sh', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const up = await cli(['up', 'noshell']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/wait until noshell is healthy/);
    const execs = await execsOf('noshell', since);
    // The loop's exec failed once; then the check itself, several times (100 → 300 ms apart).
    expect(execs[0]).toMatch(/^exec_create: \/bin\/sh -c /);
    expect(execs.slice(1).length).toBeGreaterThanOrEqual(3);
    for (const exec of execs.slice(1)) expect(exec).toBe('exec_create: test -f /tmp/ready');
  });

  it('ends the wait when the service exits, naming it, with its last log lines', async () => {
    const up = await cli(['up', 'crash']);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain(
      'service crash on local is not ready: stopped (exited, exit code 3)',
    );
    expect(up.stderr).toContain('boom: no config at /etc/crash.yaml');
    expect(up.stderr).toContain('notesctl logs crash');
  });
});
