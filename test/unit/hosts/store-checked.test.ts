// The host store reads records through checked-before (src/checked-before.ts): a record this build
// checked before skips the schema. Both ways — from sources (no build id: every read is checked)
// and as a build (the id mocked) — a damaged record is still a clear UsageError naming the file,
// and a valid record round-trips through writeHost/readHost.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeHostRecord } from '../../support/model-fixtures.ts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { UsageError } from '../../../src/errors.ts';

type Store = typeof import('../../../src/hosts/store.ts');
type Errors = typeof import('../../../src/errors.ts');

let home: string;
let env: NodeJS.ProcessEnv;

const record = makeHostRecord;

const recordFile = (name: string): string => join(home, 'state', 'hosts', `${name}.json`);
const checkedDir = (): string => join(home, 'state', 'cache', 'checked');
const markers = (): string[] => (existsSync(checkedDir()) ? readdirSync(checkedDir()) : []);

/**
 * The store, with the build id this notesctl appears to have (undefined: from sources), and the
 * error classes of the same fresh module graph (after resetModules a statically imported
 * UsageError is another class than the one the store throws).
 */
async function loadStore(build: string | undefined): Promise<Store & Errors> {
  vi.resetModules();
  vi.doMock('../../../src/build-id.ts', () => ({ BUILD_ID: build }));
  const [store, errors] = await Promise.all([
    import('../../../src/hosts/store.ts'),
    import('../../../src/errors.ts'),
  ]);
  return { ...store, ...errors };
}

/** The error readHost rejects with (failing the test when it resolves or throws another). */
async function readError(store: Store & Errors, name: string): Promise<UsageError> {
  const error: unknown = await store.readHost(name, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(store.UsageError);
  return error as UsageError;
}

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'notesctl-store-checked-'));
  env = { NOTESCTL_HOME: join(home, 'state') };
});

afterEach(() => {
  vi.doUnmock('../../../src/build-id.ts');
  vi.resetModules();
  rmSync(home, { recursive: true, force: true });
});

for (const build of [undefined, 'test-build-1']) {
  describe(`host store read through checked-before (${build === undefined ? 'from sources' : 'as a build'})`, () => {
    it('round-trips a valid record through writeHost/readHost', async () => {
      const store = await loadStore(build);
      const web1 = record('web1', {
        identity: '/keys/id',
        os: 'Ubuntu 24.04',
        dockerVersion: '28.0.1',
      });
      const do1 = record('do1', {
        driver: 'digitalocean',
        digitalocean: {
          dropletId: 42,
          firewallId: 'fw',
          keyId: 7,
          keyFingerprint: 'aa:bb',
          region: 'fra1',
          size: 's-1vcpu-1gb',
          image: 'ubuntu-24-04-x64',
          keyPath: '/state/keys/do1',
        },
      });
      await store.writeHost(web1, env);
      await store.writeHost(do1, env);
      // First read (checked by the schema), then again (as a build: from the marker).
      expect(await store.readHost('web1', env)).toEqual(web1);
      expect(await store.readHost('web1', env)).toEqual(web1);
      expect(await store.readHost('do1', env)).toEqual(do1);
      expect(await store.readHost('do1', env)).toEqual(do1);
      expect((await store.listHosts(env)).map((r) => r.name)).toEqual(['do1', 'web1']);
      expect(markers()).toHaveLength(build === undefined ? 0 : 2);
    });

    it('rejects a record whose port has the wrong type, naming the file', async () => {
      const store = await loadStore(build);
      await store.writeHost(record('web1'), env);
      expect(await store.readHost('web1', env)).toEqual(record('web1'));
      const file = recordFile('web1');
      writeFileSync(file, JSON.stringify({ ...record('web1'), port: '22' }, null, 2));
      const error = await readError(store, 'web1');
      expect(error.message).toContain(file);
      expect(error.message).toMatch(/: port: /);
      expect(error.hint).toMatch(/backup|provision/);
      // Still rejected the second time: a failed text is never remembered.
      await expect(store.readHost('web1', env)).rejects.toThrow(`${file}: port:`);
      expect(markers()).toHaveLength(build === undefined ? 0 : 1);
    });

    it('rejects a record that is not valid JSON, naming the file', async () => {
      const store = await loadStore(build);
      await store.writeHost(record('web1'), env);
      expect(await store.readHost('web1', env)).toEqual(record('web1'));
      const file = recordFile('web1');
      // The valid text cut short: what a full disk or an interrupted editor leaves.
      const valid = readFileSync(file, 'utf8');
      writeFileSync(file, valid.slice(0, valid.length / 2));
      const error = await readError(store, 'web1');
      expect(error.message).toContain(`${file} is not valid JSON`);
      await expect(store.readHost('web1', env)).rejects.toThrow(`${file} is not valid JSON`);
    });

    it('reads the record again once it is restored to a text checked before', async () => {
      const store = await loadStore(build);
      await store.writeHost(record('web1'), env);
      const file = recordFile('web1');
      const valid = readFileSync(file, 'utf8');
      expect(await store.readHost('web1', env)).toEqual(record('web1'));
      writeFileSync(file, JSON.stringify({ ...record('web1'), port: 0 }));
      await expect(store.readHost('web1', env)).rejects.toThrow(store.UsageError);
      writeFileSync(file, valid);
      expect(await store.readHost('web1', env)).toEqual(record('web1'));
    });
  });
}

describe('host store as a build: markers are per build', () => {
  it('checks a record again under another build id', async () => {
    const first = await loadStore('test-build-1');
    await first.writeHost(record('web1'), env);
    expect(await first.readHost('web1', env)).toEqual(record('web1'));
    expect(markers()).toHaveLength(1);
    const second = await loadStore('test-build-2');
    expect(await second.readHost('web1', env)).toEqual(record('web1'));
    expect(markers()).toHaveLength(2);
  });
});
