/**
 * A generated secret missing from this machine's store is read from the containers on the host
 * that receive it (issue 23, two operators), through the memory engine: the secret's file in a
 * container of a service that mounts it; nothing for a secret no container holds.
 */
import { describe, expect, it } from 'vitest';
import { createdOnlySpec } from '../../../src/targets/docker/created-only.ts';
import { LABEL } from '../../../src/model/names.ts';
import type { Topology } from '../../../src/model/topology.ts';
import { secretsOnHost } from '../../../src/targets/docker/secrets-on-host.ts';
import { MemoryEngine } from '../../support/memory-engine.ts';

const topology = {
  project: 'p',
  services: {
    app: { name: 'app', secrets: [{ secret: 'db_password', target: '/run/secrets/db_password' }] },
    web: { name: 'web', secrets: [] },
  },
} as unknown as Topology;

describe('secretsOnHost', () => {
  it('reads a missing secret from a container of a service that receives it', async () => {
    const engine = new MemoryEngine('h1', ['x']);
    const labels = { [LABEL.project]: 'p', [LABEL.configHash]: 'abc' };
    const app = await engine.createContainer(
      createdOnlySpec({
        name: 'p-app-1',
        image: 'x',
        labels: { ...labels, [LABEL.service]: 'app' },
        cmd: ['x'],
      }),
    );
    await engine.createContainer(
      createdOnlySpec({
        name: 'p-web-1',
        image: 'x',
        labels: { ...labels, [LABEL.service]: 'web' },
        cmd: ['x'],
      }),
    );
    const file = {
      name: 'db_password',
      content: Buffer.from('s3cret'),
      mode: 0o444,
      uid: 0,
      gid: 0,
    };
    await engine.putFiles(app, '/run/secrets', [file]);
    const containers = await engine.listContainers({ [LABEL.project]: 'p' });
    const found = await secretsOnHost(engine, topology, containers, ['db_password', 'other']);
    expect([...found].map(([k, v]) => [k, v.toString()])).toEqual([['db_password', 's3cret']]);
  });
});
