/**
 * A host whose disk is full (issue 7), on a private engine (a test-bed namespace host's dockerd,
 * used as the local engine through DOCKER_HOST): its data root is a small tmpfs, filled up once
 * the base image is in. `notesctl up` then fails with exit 1, naming the host and saying the disk
 * is full, with nothing claimed done and nothing half-created on the engine; once space is freed,
 * the same `up` converges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineProblems, stateProblems } from '../support/faults/interrupt.ts';
import { startPrivateEngine, type PrivateEngine } from '../support/faults/private-engine.ts';
import { createMini, type Mini } from '../support/mini.ts';

let engine: PrivateEngine;
let mini: Mini;
let env: Record<string, string>;

/** Resources of the project on the private engine. */
async function counts(): Promise<string> {
  const filters = JSON.stringify({ label: [`io.notesctl.project=${mini.project}`] });
  const [containers, networks, volumes] = await Promise.all([
    engine.docker.listContainers({ all: true, filters }),
    engine.docker.listNetworks({ filters }),
    engine.docker.listVolumes({ filters }),
  ]);
  const volumeList = volumes.Volumes as unknown[] | null;
  return `${containers.length} containers, ${networks.length} networks, ${(volumeList ?? []).length} volumes`;
}

describe('a host whose disk is full', () => {
  beforeAll(async () => {
    [engine, mini] = await Promise.all([
      startPrivateEngine(`reldisk-${Math.random().toString(36).slice(2, 7)}`),
      createMini('disk'),
    ]);
    env = { DOCKER_HOST: engine.dockerHost };
    // The engine's data root on a 900 MiB tmpfs (inside the host's own mount namespace).
    await engine.stopDockerd();
    await engine.shell('mount -t tmpfs -o size=900m notesctl-full /var/lib/docker');
    await engine.startDockerd();
    await engine.copyImages(['node:24-bookworm-slim']);
  });
  afterAll(async () => {
    // The tmpfs goes away with the host's mount namespace.
    await (engine as PrivateEngine | undefined)?.stop();
    await (mini as Mini | undefined)?.destroy();
  });

  it('fails clearly (exit 1, host named, "disk is full"), claims nothing and creates nothing', async () => {
    const fill = await engine.shell(
      'dd if=/dev/zero of=/var/lib/docker/filler bs=1M 2>&1 | tail -1; df -B1 --output=avail /var/lib/docker | tail -1',
    );
    expect(fill.trim().split('\n').at(-1)?.trim()).toBe('0');
    const up = await mini.cli(['up'], { env });
    expect(up.code, up.stderr).toBe(1);
    expect(up.stderr).toMatch(/ERROR \(EngineError\) local: .*no space left on device/);
    expect(up.stderr).toContain('The disk of host local is full');
    expect(up.stderr).not.toMatch(/change\(s\) applied/);
    expect(await counts()).toBe('0 containers, 0 networks, 0 volumes');
    expect(
      await stateProblems(mini.env.NOTESCTL_HOME ?? '', mini.project, { lockMayRemain: false }),
    ).toEqual([]);
    const ps = await mini.cli(['--json', 'ps'], { env });
    expect(ps.code).toBe(0);
    expect(
      (JSON.parse(ps.stdout) as { state: string }[]).every((r) => r.state === 'not created'),
    ).toBe(true);
    console.error(`disk full: up failed in ${up.ms} ms: ${/ERROR .*/.exec(up.stderr)?.[0] ?? ''}`);
  });

  it('converges with the same up once space is freed', async () => {
    await engine.shell('rm -f /var/lib/docker/filler');
    const up = await mini.cli(['up'], { env });
    expect(up.code, up.stderr).toBe(0);
    expect(
      await engineProblems(engine.docker, mini.project, {
        services: ['migrate', 'web', 'worker'],
        oneShot: ['migrate'],
        networks: [`${mini.project}_net`],
        volumes: [],
      }),
    ).toEqual([]);
  });
});
