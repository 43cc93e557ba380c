import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSecrets, secretStorePath } from '../../../src/secrets/store.ts';
import type { Secret } from '../../../src/model/topology.ts';
import { tempDirs } from '../../support/temp-dirs.ts';

const tempDir = tempDirs();

const generated: Secret[] = [
  { name: 'a', source: { kind: 'generate', length: 32 } },
  { name: 'b', source: { kind: 'generate', length: 16 } },
];

async function home(): Promise<NodeJS.ProcessEnv> {
  return { NOTESCTL_HOME: join(await tempDir('secrets-'), 'state') };
}

describe('secret store', () => {
  it('generates strong values once, keeps them 0600 in a 0700 folder, and returns the same later', async () => {
    const env = await home();
    const first = await resolveSecrets('p', 'local', generated, { dryRun: false, env });
    const a = first.values.get('a')?.toString() ?? '';
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(first.values.get('b')?.toString()).toHaveLength(22);
    const path = secretStorePath('p', 'local', env);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(path))).mode & 0o777).toBe(0o700);
    const again = await resolveSecrets('p', 'local', generated, { dryRun: false, env });
    expect(again.values.get('a')?.toString()).toBe(a);
    expect(again.hashKey.equals(first.hashKey)).toBe(true);
  });

  it('writes nothing in a dry run and reports what it would generate', async () => {
    const env = await home();
    const dry = await resolveSecrets('p', 'local', generated, { dryRun: true, env });
    expect(dry.missing).toEqual(['a', 'b']);
    await expect(stat(secretStorePath('p', 'local', env))).rejects.toThrow();
  });

  it('keeps separate values per host', async () => {
    const env = await home();
    const local = await resolveSecrets('p', 'local', generated, { dryRun: false, env });
    const remote = await resolveSecrets('p', 'web1', generated, { dryRun: false, env });
    expect(local.values.get('a')?.equals(remote.values.get('a') ?? Buffer.alloc(0))).toBe(false);
  });

  it('refuses a store readable by others, naming the fix', async () => {
    const env = await home();
    await resolveSecrets('p', 'local', generated, { dryRun: false, env });
    const path = secretStorePath('p', 'local', env);
    await chmod(path, 0o644);
    await expect(resolveSecrets('p', 'local', generated, { dryRun: false, env })).rejects.toThrow(
      /readable by other users.*chmod 600|readable by other users/,
    );
  });

  it('refuses a damaged store without overwriting it', async () => {
    const env = await home();
    await resolveSecrets('p', 'local', generated, { dryRun: false, env });
    const path = secretStorePath('p', 'local', env);
    await writeFile(path, '{"half":', { mode: 0o600 });
    await expect(resolveSecrets('p', 'local', generated, { dryRun: false, env })).rejects.toThrow(
      /damaged/,
    );
    expect(await readFile(path, 'utf8')).toBe('{"half":');
  });

  it('reads env and file secrets at deploy time and names a missing variable', async () => {
    const env = await home();
    const file = join(await tempDir('sf-'), 'key');
    await writeFile(file, 'from-file');
    const secrets: Secret[] = [
      { name: 'e', source: { kind: 'env', variable: 'TOKEN_X' } },
      { name: 'f', source: { kind: 'file', path: file } },
    ];
    const ok = await resolveSecrets('p', 'local', secrets, {
      dryRun: false,
      env: { ...env, TOKEN_X: 'from-env' },
    });
    expect(ok.values.get('e')?.toString()).toBe('from-env');
    expect(ok.values.get('f')?.toString()).toBe('from-file');
    await expect(resolveSecrets('p', 'local', secrets, { dryRun: false, env })).rejects.toThrow(
      /secrets\.e: environment variable TOKEN_X is not set/,
    );
  });
});
