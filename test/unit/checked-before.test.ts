// Texts this build already checked (src/checked-before.ts): remembered per build, kind and exact
// text, in private marker files; running from sources (no build id) nothing is remembered.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILD_ID } from '../../src/build-id.ts';
import { checkedBefore, rememberChecked } from '../../src/checked-before.ts';

let root: string;
let env: NodeJS.ProcessEnv;

const checkedDir = (): string => join(root, 'state', 'cache', 'checked');
const TEXT = '{\n  "version": 1,\n  "name": "web1"\n}\n';

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'notesctl-checked-'));
  env = { NOTESCTL_HOME: join(root, 'state') };
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('checkedBefore / rememberChecked', () => {
  it('runs from sources in the tests (no build id)', () => {
    expect(BUILD_ID).toBeUndefined();
  });

  it('remembers nothing without a build id', async () => {
    expect(await checkedBefore('host', TEXT, env)).toBe(false);
    await rememberChecked('host', TEXT, env);
    await rememberChecked('host', TEXT, env, undefined);
    expect(await checkedBefore('host', TEXT, env)).toBe(false);
    expect(await checkedBefore('host', TEXT, env, undefined)).toBe(false);
    expect(existsSync(join(root, 'state'))).toBe(false);
  });

  it('with a build id: false before, true after remembering the exact text', async () => {
    expect(await checkedBefore('host', TEXT, env, 'build-1')).toBe(false);
    await rememberChecked('host', TEXT, env, 'build-1');
    expect(await checkedBefore('host', TEXT, env, 'build-1')).toBe(true);
    // Remembering again is harmless.
    await rememberChecked('host', TEXT, env, 'build-1');
    expect(await checkedBefore('host', TEXT, env, 'build-1')).toBe(true);
  });

  it('is false for another text, kind or build', async () => {
    await rememberChecked('host', TEXT, env, 'build-1');
    expect(await checkedBefore('host', `${TEXT} `, env, 'build-1')).toBe(false);
    expect(await checkedBefore('host', TEXT.trimEnd(), env, 'build-1')).toBe(false);
    expect(await checkedBefore('host', TEXT.replace('web1', 'web2'), env, 'build-1')).toBe(false);
    expect(await checkedBefore('host', '', env, 'build-1')).toBe(false);
    expect(await checkedBefore('secret', TEXT, env, 'build-1')).toBe(false);
    expect(await checkedBefore('host', TEXT, env, 'build-2')).toBe(false);
    expect(await checkedBefore('host', TEXT, env, undefined)).toBe(false);
    expect(
      await checkedBefore('host', TEXT, { NOTESCTL_HOME: join(root, 'other') }, 'build-1'),
    ).toBe(false);
  });

  it('does not confuse the boundaries between build, kind and text', async () => {
    // Joined without a separator these would all be "build-1hostx".
    await rememberChecked('host', 'x', env, 'build-1');
    expect(await checkedBefore('hostx', '', env, 'build-1')).toBe(false);
    expect(await checkedBefore('ost', 'x', env, 'build-1h')).toBe(false);
  });

  it('keeps one private marker file per remembered text, in a private folder', async () => {
    await rememberChecked('host', TEXT, env, 'build-1');
    await rememberChecked('host', 'other text', env, 'build-1');
    await rememberChecked('host', TEXT, env, 'build-1');
    const markers = readdirSync(checkedDir());
    expect(markers).toHaveLength(2);
    for (const marker of markers) {
      expect(marker).toMatch(/^[0-9a-f]{64}$/);
      const info = statSync(join(checkedDir(), marker));
      expect(info.isFile()).toBe(true);
      expect(info.mode & 0o777).toBe(0o600);
      // A marker says only "checked": it holds none of the text.
      expect(info.size).toBe(0);
    }
    expect(statSync(checkedDir()).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, 'state', 'cache')).mode & 0o777).toBe(0o700);
  });

  it('does not throw when the marker cannot be written', async () => {
    // NOTESCTL_HOME is a file: no folder can be made under it.
    writeFileSync(join(root, 'state'), 'not a folder');
    await expect(rememberChecked('host', TEXT, env, 'build-1')).resolves.toBeUndefined();
    expect(await checkedBefore('host', TEXT, env, 'build-1')).toBe(false);
  });
});
