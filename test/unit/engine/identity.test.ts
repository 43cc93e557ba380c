import { utils } from 'ssh2';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loginMethods } from '../../../src/engine/ssh/identity.ts';

/** A HOME whose ~/.ssh holds an encrypted id_ed25519 and a plain id_rsa. */
async function home(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'identity-'));
  await mkdir(join(dir, '.ssh'));
  const locked = utils.generateKeyPairSync('ed25519', {
    passphrase: 'pw',
    cipher: 'aes256-ctr',
    rounds: 16,
  });
  await writeFile(join(dir, '.ssh', 'id_ed25519'), locked.private, { mode: 0o600 });
  const plain = utils.generateKeyPairSync('rsa', { bits: 2048 });
  await writeFile(join(dir, '.ssh', 'id_rsa'), plain.private, { mode: 0o600 });
  await writeFile(join(dir, 'not-a-key'), 'hello\n');
  return dir;
}

describe('login methods', () => {
  it('skips an encrypted default key when an agent is there, without asking', async () => {
    const HOME = await home();
    const asked: string[] = [];
    const login = await loginMethods(
      'deploy',
      undefined,
      { HOME, SSH_AUTH_SOCK: '/a.sock' },
      (f) => {
        asked.push(f);
        return Promise.resolve('pw');
      },
    );
    expect(login.tried).toEqual(['ssh-agent (/a.sock)', `key ${join(HOME, '.ssh', 'id_rsa')}`]);
    expect(login.methods.map((m) => m.type)).toEqual(['agent', 'publickey']);
    expect(login.firstKeyType).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it('skips it without a terminal too, and asks for it on one when it is the first way in', async () => {
    const HOME = await home();
    const quiet = await loginMethods('deploy', undefined, { HOME }, undefined);
    expect(quiet.tried).toEqual([`key ${join(HOME, '.ssh', 'id_rsa')}`]);
    expect(quiet.firstKeyType).toBe('ssh-rsa');

    const asked: string[] = [];
    const answers = ['wrong', 'pw'];
    const login = await loginMethods('deploy', undefined, { HOME }, (file) => {
      asked.push(file);
      return Promise.resolve(answers.shift() ?? '');
    });
    expect(login.tried).toEqual([
      `key ${join(HOME, '.ssh', 'id_ed25519')}`,
      `key ${join(HOME, '.ssh', 'id_rsa')}`,
    ]);
    expect(login.firstKeyType).toBe('ssh-ed25519');
    expect(login.methods[0]).toMatchObject({ type: 'publickey', passphrase: 'pw' });
    expect(asked).toEqual([join(HOME, '.ssh', 'id_ed25519'), join(HOME, '.ssh', 'id_ed25519')]);
  });

  it('uses only the named identity, and says what is wrong with one it cannot use', async () => {
    const HOME = await home();
    const rsa = join(HOME, '.ssh', 'id_rsa');
    const named = await loginMethods('deploy', rsa, { HOME }, undefined);
    expect(named.tried).toEqual([`key ${rsa}`]);
    await expect(
      loginMethods('deploy', join(HOME, '.ssh', 'id_ed25519'), { HOME }, undefined),
    ).rejects.toThrow(/is encrypted and there is no terminal/);
    await expect(
      loginMethods('deploy', join(HOME, 'not-a-key'), { HOME }, undefined),
    ).rejects.toThrow(/not-a-key is not a private key/);
    await expect(
      loginMethods('deploy', join(HOME, 'missing'), { HOME }, undefined),
    ).rejects.toThrow(/cannot read the SSH key .*missing/);
  });
});
