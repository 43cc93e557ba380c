/**
 * How `up` waits for readiness, on the real engine (src/apply/readiness.ts, probe.ts): the
 * healthcheck repeats inside the container in one exec per window, an image without /bin/sh falls
 * back to one exec per check, and a service that exits ends the wait at once with its last log
 * lines. The execs are counted from the engine's own events.
 */
import Docker from 'dockerode';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'readiness');
const docker = new Docker({ socketPath: '/run/docker.sock' });
let dir: string;
let env: Record<string, string>;
let project: string;

/** The exec_create events of `service`'s containers since `since` (seconds). */
async function execsOf(service: string, since: number): Promise<string[]> {
  const stream = await docker.getEvents({
    since,
    until: Math.ceil(Date.now() / 1000) + 1,
    filters: JSON.stringify({
      type: ['container'],
      label: [`io.notesctl.project=${project}`, `io.notesctl.service=${service}`],
    }),
  });
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { Action: string }).Action)
    .filter((action) => action.startsWith('exec_create'));
}

const cli = (args: string[]) => runCli(['-v', ...args], { cwd: dir, env });

describe('readiness', () => {
  beforeAll(async () => {
    project = `ready${Math.random().toString(36).slice(2, 8)}`;
    dir = await mkdtemp(join(tmpdir(), `notesctl-${project}-`));
    await cp(FIXTURE, dir, { recursive: true });
    const file = join(dir, 'notesctl.config.yaml');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace(/^project: ready$/m, `project: ${project}`),
    );
    env = { NOTESCTL_HOME: join(dir, '.home') };
  });
  afterAll(async () => {
    await runCli(['down', '--volumes', '--yes'], { cwd: dir, env });
    const images = await docker.listImages({
      filters: JSON.stringify({ label: [`io.notesctl.project=${project}`] }),
    });
    for (const image of images)
      await docker
        .getImage(image.Id)
        .remove({ force: true })
        .catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
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
