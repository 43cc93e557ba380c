/**
 * The body of POST /containers/create, as docker-shapes.ts makes it from a ContainerSpec
 * (docker-engine.ts sends `name` in the query and the rest as the body). The Notes stack's
 * specs, planned from notesctl.config.yaml with fixed image ids and secret digests, are compared
 * with a golden file: a change to what notesctl asks Docker for shows in review as a diff.
 */
import { describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../../../src/engine/engine.ts';
import { toCreateOptions } from '../../../src/engine/docker-shapes.ts';
import { desiredFor, notesTopology } from '../plan/fixtures.ts';

/** A spec that sets only what every container has. */
const BARE: ContainerSpec = {
  name: 'p-job-0123abcd',
  image: 'debian:12',
  labels: { 'io.notesctl.project': 'p' },
  env: [],
  cmd: undefined,
  entrypoint: undefined,
  user: undefined,
  exposedPorts: [],
  portBindings: [],
  mounts: [],
  restart: { name: 'no', maximumRetryCount: 0 },
  healthcheck: undefined,
  stopTimeoutS: 10,
  network: undefined,
  securityOpt: [],
  init: false,
};

describe('container create options', () => {
  it("match the golden file for the Notes stack's services", async () => {
    const desired = desiredFor(await notesTopology());
    const bodies = Object.fromEntries(
      desired.services.map((s) => [s.name, toCreateOptions(s.spec)]),
    );
    // .txt, not .json: the exact JSON.stringify layout is the golden text, not prettier's.
    await expect(`${JSON.stringify(bodies, null, 2)}\n`).toMatchFileSnapshot(
      'golden/notes-create-options.txt',
    );
  });

  it('leave out the command, entrypoint, user and healthcheck a spec does not set', () => {
    const body = toCreateOptions(BARE);
    for (const key of ['Cmd', 'Entrypoint', 'User', 'Healthcheck'])
      expect(body).not.toHaveProperty(key);
    expect(body.NetworkingConfig).toEqual({});
  });

  it('give healthcheck durations in nanoseconds and group port bindings by container port', () => {
    const body = toCreateOptions({
      ...BARE,
      healthcheck: {
        test: ['CMD', 'true'],
        intervalMs: 5_000,
        timeoutMs: 2_000,
        retries: 3,
        startPeriodMs: 1,
      },
      portBindings: [
        { containerPort: '80/tcp', hostIp: '127.0.0.1', hostPort: 8080 },
        { containerPort: '80/tcp', hostIp: '::1', hostPort: 8080 },
      ],
    });
    expect(body.Healthcheck).toEqual({
      Test: ['CMD', 'true'],
      Interval: 5_000_000_000,
      Timeout: 2_000_000_000,
      Retries: 3,
      StartPeriod: 1_000_000,
    });
    expect(body.HostConfig?.PortBindings).toEqual({
      '80/tcp': [
        { HostIp: '127.0.0.1', HostPort: '8080' },
        { HostIp: '::1', HostPort: '8080' },
      ],
    });
  });
});
