import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cachedDeps, depsKey, saveDeps } from '../../../../src/targets/systemd/deps-cache.ts';

let root: string;
let saved: string | undefined;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'notesctl-deps-'));
  saved = process.env.NOTESCTL_HOME;
  process.env.NOTESCTL_HOME = join(root, 'home');
});
afterEach(async () => {
  if (saved === undefined) delete process.env.NOTESCTL_HOME;
  else process.env.NOTESCTL_HOME = saved;
  await rm(root, { recursive: true, force: true });
});

async function app(lock: string, extra: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(root, 'app-'));
  await writeFile(join(dir, 'package.json'), '{"name":"a","dependencies":{"koa":"3.0.0"}}');
  await writeFile(join(dir, 'package-lock.json'), lock);
  for (const [name, text] of Object.entries(extra)) await writeFile(join(dir, name), text);
  return dir;
}

async function tree(dir: string, marker: string): Promise<string> {
  const modules = join(dir, 'node_modules');
  await mkdir(join(modules, 'koa'), { recursive: true });
  await writeFile(join(modules, 'koa', 'index.js'), marker);
  return modules;
}

describe('the dependency cache of plain-server release builds', () => {
  it('keys on what npm ci reads and the Node major, not on the app code', async () => {
    const a = await app('{"v":1}');
    const b = await app('{"v":1}', { 'server.js': 'changed' });
    expect(await depsKey(a, 24)).toBe(await depsKey(b, 24));
    expect(await depsKey(a, 22)).not.toBe(await depsKey(a, 24));
    expect(await depsKey(await app('{"v":2}'), 24)).not.toBe(await depsKey(a, 24));
    expect(await depsKey(await app('{"v":1}', { '.npmrc': 'omit=dev' }), 24)).not.toBe(
      await depsKey(a, 24),
    );
  });

  it('gives back a saved copy, untouched by later changes to the build folder', async () => {
    const a = await app('{"v":1}');
    const key = await depsKey(a, 24);
    expect(await cachedDeps('p', 'notes', key)).toBeUndefined();
    const modules = await tree(a, 'first');
    await saveDeps('p', 'notes', key, modules);
    await writeFile(join(modules, 'koa', 'index.js'), 'rewritten by a build');
    const cached = await cachedDeps('p', 'notes', key);
    expect(cached).toBeDefined();
    expect(await readFile(join(cached ?? '', 'koa', 'index.js'), 'utf8')).toBe('first');
    expect(await cachedDeps('p', 'userauth', key)).toBeUndefined();
  });

  it('keeps the two newest trees of a service', async () => {
    const folder = join(root, 'home', 'build-deps', 'p', 'notes');
    for (const [i, lock] of ['1', '2', '3'].entries()) {
      const a = await app(lock);
      await saveDeps('p', 'notes', `key${lock}`, await tree(a, lock));
      const at = new Date(Date.now() - (3 - i) * 60_000);
      await utimes(join(folder, `key${lock}`), at, at);
    }
    // The newest save is key3, then key2; key1 (oldest) went at the third save.
    expect((await readdir(folder)).sort()).toEqual(['key2', 'key3']);
  });
});
