/**
 * The Docker engine stopped and started under a running Notes stack (issue 7). The engine is a
 * private one — a test-bed namespace host's dockerd, used by notesctl as its local engine through
 * DOCKER_HOST — so the machine's shared engine is never stopped. While the engine is down,
 * `notesctl ps` and `notesctl up` fail with exit 1 and a message naming the host and the socket,
 * and nothing is claimed done or written; once it is back, every service restarts by itself
 * (restart policies), `ps` reports what the engine reports at each step, and every account, note
 * and comment is still there. The host can reach no registry or npm: the base images and the
 * apps' images (built by notesctl on the main engine) are copied in first.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSeededOverHttp, seedData, snapshotData } from '../support/faults/notes-data.ts';
import type { DataSnapshot, Seeded } from '../support/faults/notes-data.ts';
import { startPrivateEngine, type PrivateEngine } from '../support/faults/private-engine.ts';
import { projectContainers, untilAllHealthy } from '../support/faults/engine-view.ts';
import type { EngineContainer, PsRow } from '../support/faults/engine-view.ts';
import { createStack, type Stack } from '../support/stack.ts';

const SERVICES = ['db-notes', 'db-userauth', 'notes', 'userauth'];

let engine: PrivateEngine;
let stack: Stack;
let base: string;
let env: Record<string, string>;
let seeded: Seeded;
let before: DataSnapshot;
let idsBefore: Record<string, string>;

/** The project's containers on the private engine, by service. */
function engineView(): Promise<Map<string, EngineContainer>> {
  return projectContainers(engine.docker, stack.project);
}

async function ps(): Promise<PsRow[]> {
  const result = await stack.cli(['--json', 'ps'], { env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as PsRow[];
}

describe('the engine restarted under a running Notes stack', () => {
  beforeAll(async () => {
    [engine, stack] = await Promise.all([
      startPrivateEngine(`releng-${Math.random().toString(36).slice(2, 7)}`),
      createStack('releng'),
    ]);
    env = { DOCKER_HOST: engine.dockerHost };
    base = `http://${engine.address}:${stack.port}`;
    // Built by notesctl on the main engine (npm is reachable there), then copied with the bases.
    const built = await stack.cli(['build']);
    expect(built.code, built.stderr).toBe(0);
    const images = await stack.docker.listImages({
      filters: JSON.stringify({ label: [`io.notesctl.project=${stack.project}`] }),
    });
    const refs = images.flatMap((i) => i.RepoTags ?? []).filter((t) => !t.includes('<none>'));
    expect(refs).toHaveLength(2);
    await engine.copyImages(['node:24-bookworm-slim', 'mariadb:10.11', ...refs]);
  });
  afterAll(async () => {
    await (engine as PrivateEngine | undefined)?.stop();
    await (stack as Stack | undefined)?.destroy();
  });

  it('deploys on the private engine (no build there) and takes some data', async () => {
    const up = await stack.cli(['up'], { env });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).not.toMatch(/build image/);
    seeded = await seedData((args, o) => stack.cli(args, { ...o, env }), base, 2, 'eng');
    idsBefore = Object.fromEntries([...(await engineView())].map(([s, c]) => [s, c.id]));
    before = await snapshotData(engine.docker, idsBefore);
    expect(before.users.split('\n').filter(Boolean)).toHaveLength(2);
    expect(before.comments.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('says the engine is down (exit 1, naming host and socket) and claims nothing while it is', async () => {
    const secretsFile = join(
      stack.env.NOTESCTL_HOME ?? '',
      'secrets',
      `${stack.project}@local.json`,
    );
    const secrets = await readFile(secretsFile);
    const stopMs = await engine.stopDockerd();
    console.error(
      `engine stop (dockerd SIGTERM → exit, stopping 4 containers): ${stopMs.toFixed(0)} ms`,
    );
    const downPs = await stack.cli(['ps'], { env });
    expect(downPs.code).toBe(1);
    expect(downPs.stderr).toContain(
      `local: list containers: cannot reach the Docker engine at ${engine.socketPath}`,
    );
    expect(downPs.stderr).toMatch(/Start Docker/);
    expect(downPs.stdout).toBe('');
    const jsonPs = await stack.cli(['--json', 'ps'], { env });
    expect(jsonPs.code).toBe(1);
    expect(JSON.parse(jsonPs.stdout)).toMatchObject({
      error: expect.stringContaining(
        'local: list containers: cannot reach the Docker engine',
      ) as unknown,
      kind: 'EngineError',
    });
    const downUp = await stack.cli(['up'], { env });
    expect(downUp.code).toBe(1);
    expect(downUp.stderr).toContain(`cannot reach the Docker engine at ${engine.socketPath}`);
    expect(downUp.stderr).not.toMatch(/change\(s\) applied|✓/);
    expect(await readFile(secretsFile)).toEqual(secrets);
    expect(
      existsSync(join(stack.env.NOTESCTL_HOME ?? '', 'locks', `${stack.project}@local.lock`)),
    ).toBe(false);
  });

  it('brings every service back by itself when the engine starts, and ps follows it', async () => {
    const startMs = await engine.startDockerd();
    const started = performance.now();
    // Right away: ps lists the same four containers the engine has, in the state it reports.
    const first = await ps();
    const view = await engineView();
    expect(first.map((r) => r.service).sort()).toEqual(SERVICES);
    for (const row of first) {
      expect(row.container).toBe(view.get(row.service)?.name);
      expect(view.get(row.service)?.id).toBe(idsBefore[row.service]); // the same containers
    }
    // Then until all four are running and healthy, by the engine's own healthchecks.
    const healthyAfter = await untilAllHealthy(engineView, SERVICES, 180_000, started);
    const rows = await ps();
    for (const row of rows) {
      expect(row.state, row.service).toBe('running');
      expect(row.health, row.service).toBe('healthy');
    }
    console.error(
      `engine start: dockerd answering after ${startMs.toFixed(0)} ms; healthy after (from then): ${[...healthyAfter].map(([s, ms]) => `${s} ${(ms / 1000).toFixed(1)} s`).join(', ')}`,
    );
  });

  it('lost nothing: same rows in both databases, every note, comment and login works', async () => {
    expect(await snapshotData(engine.docker, idsBefore)).toEqual(before);
    expect(await checkSeededOverHttp(base, seeded)).toEqual([]);
    const again = await stack.cli(['up'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('up to date');
  });
});
