// The host store (issue 6): private files, validated records, listing, forgetting; and name
// resolution (topology first, then the store, a did-you-mean error otherwise).
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeHostRecord } from '../../support/model-fixtures.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.ts';
import { resolveHost } from '../../../src/hosts/resolve.ts';
import {
  checkNewHostName,
  listHosts,
  readHost,
  removeHost,
  writeHost,
} from '../../../src/hosts/store.ts';
import type { Topology } from '../../../src/model/topology.ts';

let home: string;
let env: NodeJS.ProcessEnv;

const record = makeHostRecord;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'notesctl-store-'));
  env = { NOTESCTL_HOME: join(home, 'state') };
});

afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('host store', () => {
  it('writes private records and reads them back', async () => {
    await writeHost(record('web1', { identity: '/keys/id' }), env);
    const file = join(home, 'state', 'hosts', 'web1.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'state', 'hosts')).mode & 0o777).toBe(0o700);
    expect(await readHost('web1', env)).toEqual(record('web1', { identity: '/keys/id' }));
    expect(await readHost('web2', env)).toBeUndefined();
  });

  it('lists records by name and forgets them', async () => {
    await writeHost(record('zeta'), env);
    await writeHost(
      record('alpha', {
        driver: 'digitalocean',
        digitalocean: { dropletId: 1, region: 'fra1', size: 's', image: 'i', keyPath: '/k' },
      }),
      env,
    );
    expect((await listHosts(env)).map((r) => r.name)).toEqual(['alpha', 'zeta']);
    expect(await removeHost('zeta', env)).toBe(true);
    expect(await removeHost('zeta', env)).toBe(false);
    expect((await listHosts(env)).map((r) => r.name)).toEqual(['alpha']);
  });

  it('is empty before anything was recorded', async () => {
    expect(await listHosts(env)).toEqual([]);
  });

  it('reports a damaged record with its path', async () => {
    await writeHost(record('web1'), env);
    const file = join(home, 'state', 'hosts', 'web1.json');
    writeFileSync(file, JSON.stringify({ ...record('web1'), port: 70000 }));
    await expect(readHost('web1', env)).rejects.toThrow(`${file}: port:`);
    writeFileSync(file, '{ not json');
    await expect(readHost('web1', env)).rejects.toThrow(`${file} is not valid JSON`);
  });

  it('refuses a record others can read', async () => {
    await writeHost(record('web1'), env);
    const file = join(home, 'state', 'hosts', 'web1.json');
    chmodSync(file, 0o644);
    await expect(readHost('web1', env)).rejects.toThrow('readable by other users');
  });

  it('never keeps key material, only paths', async () => {
    await writeHost(record('web1', { identity: '/keys/id' }), env);
    expect(readFileSync(join(home, 'state', 'hosts', 'web1.json'), 'utf8')).not.toMatch(
      /PRIVATE KEY/,
    );
  });

  it('checks names of new hosts', () => {
    expect(checkNewHostName('web-1.prod_a')).toBe('web-1.prod_a');
    for (const bad of [undefined, 'local', '-x', 'a b', '../x', 'x'.repeat(64)]) {
      expect(() => checkNewHostName(bad)).toThrow(UsageError);
    }
  });
});

describe('resolveHost', () => {
  const topology = {
    file: '/srv/notesctl.config.yaml',
    hosts: {
      web1: {
        name: 'web1',
        user: 'deploy',
        hostname: '198.51.100.1',
        port: 2222,
        identity: undefined,
        socket: '/var/run/docker.sock',
      },
    },
  } as unknown as Topology;

  it('prefers the topology, then the store', async () => {
    await writeHost(record('web1'), env);
    await writeHost(record('db1', { hostname: '203.0.113.9' }), env);
    const fromTopology = await resolveHost('web1', topology, env);
    expect(fromTopology.source).toBe('topology');
    expect(fromTopology.endpoint).toMatchObject({
      user: 'deploy',
      hostname: '198.51.100.1',
      port: 2222,
      socket: '/var/run/docker.sock',
    });
    expect(fromTopology.record?.name).toBe('web1');
    const fromStore = await resolveHost('db1', topology, env);
    expect(fromStore).toMatchObject({
      source: 'store',
      endpoint: { hostname: '203.0.113.9', port: 22 },
    });
  });

  it("logs in to a declared host with its record's key when the topology gives none", async () => {
    await writeHost(
      record('web1', { user: 'deploy', hostname: '198.51.100.1', port: 2222, identity: '/k/id' }),
      env,
    );
    expect((await resolveHost('web1', topology, env)).endpoint.identity).toBe('/k/id');
    // Another address is another server: the record's key is not offered to it.
    await writeHost(
      record('web1', { hostname: '198.51.100.2', port: 2222, identity: '/k/id' }),
      env,
    );
    expect((await resolveHost('web1', topology, env)).endpoint.identity).toBeUndefined();
  });

  it('names the known hosts and the closest one for an unknown name', async () => {
    await writeHost(record('db1'), env);
    const error = await resolveHost('wbe1', topology, env).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain('unknown host "wbe1"');
    expect((error as UsageError).message).toContain('did you mean "web1"?');
    expect((error as UsageError).hint).toContain('Known hosts: db1, web1.');
  });
});
