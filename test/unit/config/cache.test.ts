// The topology cache (src/config/cache.ts): an entry is reused only while everything it was made
// from is unchanged — the inputs in the key, the recorded variables, the checked paths — and a
// missing or corrupt entry is a miss, never an error.
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeProxySettings, RELEASE_SETTINGS, makeService } from '../../support/model-fixtures.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CacheInputs,
  readCachedTopology,
  recordingEnv,
  writeCachedTopology,
} from '../../../src/config/cache.ts';
import type { Service, Topology } from '../../../src/model/topology.ts';

let root: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'notesctl-cache-'));
  env = { NOTESCTL_HOME: join(root, 'state') };
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

const cacheDir = (): string => join(root, 'state', 'cache');

/** The one topology entry in the cache folder. */
function entryFile(): string {
  const names = readdirSync(cacheDir()).filter((n) => /^topology-.*\.json$/.test(n));
  expect(names).toHaveLength(1);
  return join(cacheDir(), names[0] ?? '');
}

function inputs(extra: Partial<CacheInputs> = {}): CacheInputs {
  return {
    build: 'build-1',
    file: join(root, 'project', 'notesctl.config.yaml'),
    text: Buffer.from('project: demo\nservices: {}\n'),
    dotEnv: undefined,
    overrideHost: undefined,
    knownHosts: ['db1', 'web1'],
    hostRuntimes: { db1: 'docker' },
    home: '/home/tester',
    ...extra,
  };
}

function service(name: string, extra: Partial<Service> = {}): Service {
  return makeService(name, {
    image: { kind: 'image', ref: 'nginx:1.27' },
    env: { MODE: 'production' },
    ports: [{ hostIp: undefined, hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
    networks: ['front'],
    ...extra,
  });
}

/** A small topology with only an image service: no paths to check. */
function plainTopology(): Topology {
  const directory = join(root, 'project');
  return {
    project: 'demo',
    file: join(directory, 'notesctl.config.yaml'),
    directory,
    hosts: {},
    clusters: {},
    networks: { front: { name: 'front', internal: false, encrypted: true } },
    volumes: { data: { name: 'data' } },
    secrets: { token: { name: 'token', source: { kind: 'generate', length: 32 } } },
    services: { web: service('web') },
    releases: RELEASE_SETTINGS,
    proxy: makeProxySettings(),
  };
}

/**
 * A topology whose checks looked at real paths: a build context with a Dockerfile, and a secret
 * read from a file (relative to the topology's folder).
 */
function builtTopology(): {
  topology: Topology;
  context: string;
  dockerfile: string;
  secret: string;
} {
  const directory = join(root, 'project');
  const context = join(directory, 'app');
  mkdirSync(context, { recursive: true });
  const dockerfile = join(context, 'Dockerfile');
  writeFileSync(dockerfile, 'FROM alpine:3.20\n');
  const secret = join(directory, 'secrets', 'db-password.txt');
  mkdirSync(join(directory, 'secrets'));
  writeFileSync(secret, 'hunter2\n');
  const topology: Topology = {
    ...plainTopology(),
    directory,
    secrets: {
      dbPassword: { name: 'dbPassword', source: { kind: 'file', path: 'secrets/db-password.txt' } },
    },
    services: {
      app: service('app', {
        image: { kind: 'build', context, dockerfile: 'Dockerfile', args: {}, target: undefined },
        secrets: [{ secret: 'dbPassword', target: '/run/secrets/dbPassword', envVar: undefined }],
      }),
    },
  };
  return { topology, context, dockerfile, secret };
}

describe('topology cache: writing and reading back', () => {
  it('reads back what was written, in a private file and folder', async () => {
    const topology = plainTopology();
    await writeCachedTopology(inputs(), [], topology, env);
    expect(await readCachedTopology(inputs(), env)).toEqual(topology);
    expect(statSync(entryFile()).mode & 0o777).toBe(0o600);
    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, 'state')).mode & 0o777).toBe(0o700);
  });

  it("keeps each host's runtime (issue 18: the target a host deploys with)", async () => {
    const topology: Topology = {
      ...plainTopology(),
      hosts: {
        web1: {
          name: 'web1',
          user: 'deploy',
          hostname: '203.0.113.10',
          port: 22,
          identity: '/home/tester/.ssh/id_ed25519',
          socket: '/run/docker.sock',
          runtime: 'docker',
          firewall: false,
        },
      },
    };
    await writeCachedTopology(inputs(), [], topology, env);
    expect((await readCachedTopology(inputs(), env))?.hosts.web1?.runtime).toBe('docker');
    expect(await readCachedTopology(inputs(), env)).toEqual(topology);
  });

  it('keeps http routes, replicas and the proxy settings (issue 19)', async () => {
    const caRoot = join(root, 'project', 'pebble.pem');
    mkdirSync(join(root, 'project'), { recursive: true });
    writeFileSync(caRoot, 'root\n');
    const topology: Topology = {
      ...plainTopology(),
      services: {
        web: service('web', {
          ports: [],
          replicas: 2,
          http: {
            hosts: ['notes.example.com', 'www.notes.example.com'],
            port: 3000,
            path: '/health',
            tls: { kind: 'files', cert: 'crt', key: 'key' },
            drainTimeoutMs: 30_000,
          },
        }),
        api: service('api', {
          ports: [],
          http: { hosts: [], port: 80, path: '/', tls: { kind: 'off' }, drainTimeoutMs: 0 },
        }),
      },
      releases: RELEASE_SETTINGS,
      proxy: makeProxySettings({
        httpPort: 8080,
        acme: { email: 'ops@example.com', ca: 'https://pebble:14000/dir', caRoot },
      }),
    };
    await writeCachedTopology(inputs(), [], topology, env);
    const read = await readCachedTopology(inputs(), env);
    expect(read).toEqual(topology);
    expect(read?.services.web?.http?.tls).toEqual({ kind: 'files', cert: 'crt', key: 'key' });
    expect(read?.proxy.acme.caRoot).toBe(caRoot);
    // The rules checked that the ACME root is a file: it is a checked path like a secret file.
    rmSync(caRoot);
    expect(await readCachedTopology(inputs(), env)).toBeUndefined();
  });

  it('misses when nothing was written', async () => {
    expect(await readCachedTopology(inputs(), env)).toBeUndefined();
  });

  it('keeps no temporary files next to the entry', async () => {
    await writeCachedTopology(inputs(), [], plainTopology(), env);
    await writeCachedTopology(inputs(), [], plainTopology(), env);
    expect(readdirSync(cacheDir()).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('does not depend on the order of the known hosts', async () => {
    await writeCachedTopology(inputs({ knownHosts: ['web1', 'db1'] }), [], plainTopology(), env);
    expect(await readCachedTopology(inputs({ knownHosts: ['db1', 'web1'] }), env)).toEqual(
      plainTopology(),
    );
  });

  it('does not throw when the state folder cannot be written', async () => {
    // NOTESCTL_HOME is a file: the cache folder cannot be made under it.
    writeFileSync(join(root, 'state'), 'not a folder');
    await expect(writeCachedTopology(inputs(), [], plainTopology(), env)).resolves.toBeUndefined();
    expect(await readCachedTopology(inputs(), env)).toBeUndefined();
  });
});

describe('topology cache: the inputs in the key', () => {
  const changes: [string, Partial<CacheInputs>][] = [
    ['the build id', { build: 'build-2' }],
    ['the file text (one byte)', { text: Buffer.from('project: demo\nservices: {}\n\n') }],
    ['the file text (same length)', { text: Buffer.from('project: dema\nservices: {}\n') }],
    ['.env: absent → empty', { dotEnv: Buffer.alloc(0) }],
    ['.env: absent → some bytes', { dotEnv: Buffer.from('TAG=1\n') }],
    ['--host', { overrideHost: 'web1' }],
    ['the known hosts (one more)', { knownHosts: ['db1', 'web1', 'web2'] }],
    ['the known hosts (one fewer)', { knownHosts: ['db1'] }],
    ['a recorded runtime (issue 21)', { hostRuntimes: { db1: 'docker', web1: 'systemd' } }],
    ['a recorded runtime changed', { hostRuntimes: { db1: 'pm2' } }],
    ['the home folder', { home: '/home/other' }],
  ];

  for (const [what, change] of changes) {
    it(`misses when ${what} changes`, async () => {
      await writeCachedTopology(inputs(), [], plainTopology(), env);
      expect(await readCachedTopology(inputs(change), env)).toBeUndefined();
      // The unchanged inputs still hit (the miss was the change, not a damaged entry)...
      expect(await readCachedTopology(inputs(), env)).toEqual(plainTopology());
    });
  }

  it('tells an empty .env from an absent one, and from other bytes', async () => {
    await writeCachedTopology(inputs({ dotEnv: Buffer.alloc(0) }), [], plainTopology(), env);
    expect(await readCachedTopology(inputs({ dotEnv: Buffer.alloc(0) }), env)).toEqual(
      plainTopology(),
    );
    expect(await readCachedTopology(inputs({ dotEnv: undefined }), env)).toBeUndefined();
    expect(await readCachedTopology(inputs({ dotEnv: Buffer.from('\n') }), env)).toBeUndefined();
  });

  it('misses when the .env bytes change', async () => {
    await writeCachedTopology(inputs({ dotEnv: Buffer.from('TAG=1\n') }), [], plainTopology(), env);
    expect(await readCachedTopology(inputs({ dotEnv: Buffer.from('TAG=1\n') }), env)).toEqual(
      plainTopology(),
    );
    expect(
      await readCachedTopology(inputs({ dotEnv: Buffer.from('TAG=2\n') }), env),
    ).toBeUndefined();
  });

  it('misses when --host goes from set back to unset', async () => {
    await writeCachedTopology(inputs({ overrideHost: 'web1' }), [], plainTopology(), env);
    expect(await readCachedTopology(inputs({ overrideHost: 'web1' }), env)).toEqual(
      plainTopology(),
    );
    expect(await readCachedTopology(inputs({ overrideHost: undefined }), env)).toBeUndefined();
  });

  it('keeps one entry per file: another file misses', async () => {
    await writeCachedTopology(inputs(), [], plainTopology(), env);
    const other = inputs({ file: join(root, 'other', 'notesctl.config.yaml') });
    expect(await readCachedTopology(other, env)).toBeUndefined();
  });

  it('misses under another state folder', async () => {
    await writeCachedTopology(inputs(), [], plainTopology(), env);
    expect(
      await readCachedTopology(inputs(), { NOTESCTL_HOME: join(root, 'elsewhere') }),
    ).toBeUndefined();
  });
});

describe('topology cache: recorded variables', () => {
  const home = (): NodeJS.ProcessEnv => ({ NOTESCTL_HOME: join(root, 'state') });

  it('hits while the recorded variables keep their values', async () => {
    await writeCachedTopology(inputs(), ['TAG', 'PORT'], plainTopology(), {
      ...home(),
      TAG: 'v1',
      PORT: '8080',
    });
    expect(await readCachedTopology(inputs(), { ...home(), PORT: '8080', TAG: 'v1' })).toEqual(
      plainTopology(),
    );
  });

  it('misses when the value of a recorded variable changes', async () => {
    await writeCachedTopology(inputs(), ['TAG'], plainTopology(), { ...home(), TAG: 'v1' });
    expect(await readCachedTopology(inputs(), { ...home(), TAG: 'v2' })).toBeUndefined();
  });

  it('misses when a recorded variable is unset', async () => {
    await writeCachedTopology(inputs(), ['TAG'], plainTopology(), { ...home(), TAG: 'v1' });
    expect(await readCachedTopology(inputs(), home())).toBeUndefined();
  });

  it('misses when a recorded variable that was unset is set', async () => {
    await writeCachedTopology(inputs(), ['TAG'], plainTopology(), home());
    expect(await readCachedTopology(inputs(), home())).toEqual(plainTopology());
    expect(await readCachedTopology(inputs(), { ...home(), TAG: 'v1' })).toBeUndefined();
  });

  it('tells an empty value from an unset variable, both ways', async () => {
    await writeCachedTopology(inputs(), ['TAG'], plainTopology(), home());
    expect(await readCachedTopology(inputs(), { ...home(), TAG: '' })).toBeUndefined();

    await writeCachedTopology(inputs(), ['TAG'], plainTopology(), { ...home(), TAG: '' });
    expect(await readCachedTopology(inputs(), { ...home(), TAG: '' })).toEqual(plainTopology());
    expect(await readCachedTopology(inputs(), home())).toBeUndefined();
  });

  it('does not confuse a value with the next name (names and values are delimited)', async () => {
    await writeCachedTopology(inputs(), ['A', 'B'], plainTopology(), { ...home(), A: 'x', B: 'y' });
    expect(await readCachedTopology(inputs(), { ...home(), A: 'xB', B: 'y' })).toBeUndefined();
    expect(await readCachedTopology(inputs(), { ...home(), A: 'x', B: '' })).toBeUndefined();
    // "A" + "=" + "B" + "=B=" and "A" + "=B=" + "B" + "=" are the same characters run together.
    await writeCachedTopology(inputs(), ['A', 'B'], plainTopology(), { ...home(), A: '', B: 'B=' });
    expect(await readCachedTopology(inputs(), { ...home(), A: '', B: 'B=' })).toEqual(
      plainTopology(),
    );
    expect(await readCachedTopology(inputs(), { ...home(), A: 'B=', B: '' })).toBeUndefined();
  });

  it('counts a variable recorded twice once', async () => {
    await writeCachedTopology(inputs(), ['TAG', 'TAG'], plainTopology(), { ...home(), TAG: '1' });
    expect(await readCachedTopology(inputs(), { ...home(), TAG: '1' })).toEqual(plainTopology());
  });

  it('ignores variables that were not recorded', async () => {
    await writeCachedTopology(inputs(), ['TAG'], plainTopology(), {
      ...home(),
      TAG: 'v1',
      UNRELATED: 'a',
    });
    expect(
      await readCachedTopology(inputs(), { ...home(), TAG: 'v1', UNRELATED: 'b', NEW: 'c' }),
    ).toEqual(plainTopology());
    expect(await readCachedTopology(inputs(), { ...home(), TAG: 'v1' })).toEqual(plainTopology());
  });
});

describe('topology cache: checked paths', () => {
  it('hits while the build context, Dockerfile and secret file are unchanged', async () => {
    const { topology } = builtTopology();
    await writeCachedTopology(inputs(), [], topology, env);
    expect(await readCachedTopology(inputs(), env)).toEqual(topology);
    expect(await readCachedTopology(inputs(), env)).toEqual(topology);
  });

  it('records the context, the Dockerfile and the secret file', async () => {
    const { topology, context, dockerfile, secret } = builtTopology();
    await writeCachedTopology(inputs(), [], topology, env);
    const entry = JSON.parse(readFileSync(entryFile(), 'utf8')) as { paths: [string, string][] };
    expect(entry.paths.map(([path]) => path).sort()).toEqual([context, dockerfile, secret].sort());
  });

  it('misses after the Dockerfile is rewritten', async () => {
    const { topology, dockerfile } = builtTopology();
    await writeCachedTopology(inputs(), [], topology, env);
    writeFileSync(dockerfile, 'FROM alpine:3.21\nRUN true\n');
    expect(await readCachedTopology(inputs(), env)).toBeUndefined();
  });

  it('misses after the Dockerfile is deleted', async () => {
    const { topology, dockerfile } = builtTopology();
    await writeCachedTopology(inputs(), [], topology, env);
    rmSync(dockerfile);
    expect(await readCachedTopology(inputs(), env)).toBeUndefined();
  });

  it('misses after the secret file is deleted', async () => {
    const { topology, secret } = builtTopology();
    await writeCachedTopology(inputs(), [], topology, env);
    rmSync(secret);
    expect(await readCachedTopology(inputs(), env)).toBeUndefined();
  });

  it('misses after the secret file is rewritten', async () => {
    const { topology, secret } = builtTopology();
    await writeCachedTopology(inputs(), [], topology, env);
    writeFileSync(secret, 'correct horse battery staple\n');
    expect(await readCachedTopology(inputs(), env)).toBeUndefined();
  });

  it('misses after the build context folder is replaced by a file', async () => {
    const { topology, context } = builtTopology();
    await writeCachedTopology(inputs(), [], topology, env);
    rmSync(context, { recursive: true });
    writeFileSync(context, 'now a file\n');
    expect(await readCachedTopology(inputs(), env)).toBeUndefined();
  });

  it('misses when a path that was missing appears', async () => {
    const { topology, secret } = builtTopology();
    rmSync(secret);
    await writeCachedTopology(inputs(), [], topology, env);
    expect(await readCachedTopology(inputs(), env)).toEqual(topology);
    writeFileSync(secret, 'hunter2\n');
    expect(await readCachedTopology(inputs(), env)).toBeUndefined();
  });
});

describe('topology cache: damaged entries', () => {
  it('misses, without throwing, on an entry that is not JSON', async () => {
    await writeCachedTopology(inputs(), [], plainTopology(), env);
    for (const garbage of ['', '{', '{"format":1,', '\0\0\0', 'not json at all']) {
      writeFileSync(entryFile(), garbage);
      expect(await readCachedTopology(inputs(), env)).toBeUndefined();
    }
  });

  it('misses, without throwing, on JSON that is not an entry', async () => {
    await writeCachedTopology(inputs(), [], plainTopology(), env);
    for (const value of ['null', 'true', '42', '"entry"', '[]', '[1,2]', '{}', '{"format":1}']) {
      writeFileSync(entryFile(), value);
      expect(await readCachedTopology(inputs(), env)).toBeUndefined();
    }
  });

  it('misses, without throwing, on an entry with the right key but a wrong shape', async () => {
    const { topology } = builtTopology();
    await writeCachedTopology(inputs(), ['TAG'], topology, env);
    const good = JSON.parse(readFileSync(entryFile(), 'utf8')) as Record<string, unknown>;
    const damaged: Record<string, unknown>[] = [
      { ...good, format: 2 },
      { ...good, key: 'x' },
      { ...good, variables: 'TAG' },
      { ...good, variables: [5] },
      { ...good, variables: [null] },
      { ...good, variablesDigest: 5 },
      { ...good, paths: 'x' },
      { ...good, paths: [5] },
      { ...good, paths: [null] },
      { ...good, paths: [[5, 'folder']] },
      { ...good, topology: undefined },
      { ...good, topology: null },
      { ...good, topology: 5 },
      { ...good, topology: 'demo' },
      { ...good, topology: [] },
    ];
    for (const entry of damaged) {
      writeFileSync(entryFile(), JSON.stringify(entry));
      await expect(readCachedTopology(inputs(), env), JSON.stringify(entry)).resolves.toBe(
        undefined,
      );
    }
    // The untouched entry still hits.
    writeFileSync(entryFile(), JSON.stringify(good));
    expect(await readCachedTopology(inputs(), env)).toEqual(topology);
  });

  it('misses when an entry folder stands where the entry file should be', async () => {
    await writeCachedTopology(inputs(), [], plainTopology(), env);
    const file = entryFile();
    rmSync(file);
    mkdirSync(file);
    expect(await readCachedTopology(inputs(), env)).toBeUndefined();
  });
});

describe('recordingEnv', () => {
  it('reads through to the environment it wraps', () => {
    const recorder = recordingEnv({ A: '1', B: undefined });
    expect(recorder.env.A).toBe('1');
    expect(recorder.env.B).toBeUndefined();
    expect(recorder.env.C).toBeUndefined();
    expect('A' in recorder.env).toBe(true);
    expect('C' in recorder.env).toBe(false);
  });

  it('records names looked up by property access, set or not', () => {
    const recorder = recordingEnv({ A: '1', B: '2' });
    const seen = [recorder.env.A, recorder.env.MISSING];
    expect(seen).toEqual(['1', undefined]);
    expect([...recorder.names].sort()).toEqual(['A', 'MISSING']);
    expect(recorder.enumerated()).toBe(false);
  });

  it('records names looked up with `in`', () => {
    const recorder = recordingEnv({ A: '1', B: '2' });
    const present = ['B' in recorder.env, 'NOPE' in recorder.env];
    expect(present).toEqual([true, false]);
    expect([...recorder.names].sort()).toEqual(['B', 'NOPE']);
    expect(recorder.enumerated()).toBe(false);
  });

  it('records nothing until something is looked up', () => {
    const recorder = recordingEnv({ A: '1' });
    expect(recorder.names.size).toBe(0);
    expect(recorder.enumerated()).toBe(false);
  });

  const listings: [string, (env: Record<string, string | undefined>) => unknown][] = [
    ['Object.keys', (e) => Object.keys(e)],
    ['Object.entries', (e) => Object.entries(e)],
    ['spread', (e) => ({ ...e })],
    [
      'for…in',
      (e) => {
        const keys: string[] = [];
        for (const key in e) keys.push(key);
        return keys;
      },
    ],
    ['JSON.stringify', (e) => JSON.stringify(e)],
  ];

  for (const [how, list] of listings) {
    it(`notes that ${how} listed every variable`, () => {
      const recorder = recordingEnv({ A: '1', B: '2' });
      expect(recorder.enumerated()).toBe(false);
      list(recorder.env);
      expect(recorder.enumerated()).toBe(true);
    });
  }

  it('lists the wrapped variables when enumerated', () => {
    const recorder = recordingEnv({ A: '1', B: '2' });
    expect(Object.entries(recorder.env)).toEqual([
      ['A', '1'],
      ['B', '2'],
    ]);
    expect({ ...recorder.env }).toEqual({ A: '1', B: '2' });
  });
});
