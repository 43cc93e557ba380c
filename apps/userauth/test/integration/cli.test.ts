/**
 * The management CLI against a running service, the way `docker exec` runs it: the service's
 * environment (PORT, USERAUTH_API_KEY_FILE), passwords on stdin, human or --json output, and
 * exit codes 0 / 1 (the service said no) / 2 (usage, configuration).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/bed/mariadb.ts';
import { startUserauth, type Userauth } from '../../../../test/bed/userauth.ts';

const CLI = resolve(import.meta.dirname, '../../src/cli.ts');

let service: Userauth;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  service = await startUserauth();
  dir = await mkdtemp(join(tmpdir(), 'userauth-cli-'));
  const keyFile = join(dir, 'key');
  await writeFile(keyFile, `${service.apiKey}\n`);
  env = {
    PATH: process.env.PATH ?? '',
    PORT: String(service.port),
    USERAUTH_API_KEY_FILE: keyFile,
  };
});
afterAll(async () => {
  await service.stop();
  await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[], input = '', extraEnv: Record<string, string> = {}) =>
  execa(process.execPath, [CLI, ...args], {
    input,
    env: { ...env, ...extraEnv },
    extendEnv: false,
    reject: false,
  });

const api = async (path: string) => {
  const res = await fetch(`${service.url}${path}`, {
    headers: { authorization: service.authorization },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('management CLI', () => {
  it('adds a user with the password from stdin and prints JSON on request', async () => {
    const r = await cli(
      [
        'add',
        '--username',
        'cli-ann',
        '--password-stdin',
        '--given-name',
        'Ann',
        '--family-name',
        'Lee',
        '--email',
        'ann@x',
        '--email',
        'a2@x',
        '--json',
      ],
      'pw from stdin\n',
    );
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      username: 'cli-ann',
      givenName: 'Ann',
      familyName: 'Lee',
      emails: ['ann@x', 'a2@x'],
    });
    const stored = await api('/find/cli-ann');
    expect(stored.body).toMatchObject({ givenName: 'Ann' });
    // The trailing newline from `echo` is not part of the password.
    const check = await cli(['password-check', 'cli-ann', '--json'], 'pw from stdin\n');
    expect(check.exitCode).toBe(0);
    expect(JSON.parse(check.stdout)).toEqual({ check: true, username: 'cli-ann' });
  });

  it('prints human output by default', async () => {
    await service.createUser({
      username: 'cli-bob',
      password: 'pw',
      givenName: 'Bob',
      emails: ['bob@x'],
    });
    const find = await cli(['find', 'cli-bob']);
    expect(find.exitCode).toBe(0);
    expect(find.stdout).toContain('username: cli-bob');
    expect(find.stdout).toContain('emails:   bob@x');
    const list = await cli(['list']);
    expect(list.exitCode).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^USERNAME\s+NAME\s+EMAILS$/);
    expect(list.stdout).toMatch(/^cli-bob\s+Bob\s+bob@x$/m);
  });

  it('lists as a JSON array', async () => {
    const r = await cli(['list', '--json']);
    expect(r.exitCode).toBe(0);
    const users = JSON.parse(r.stdout) as { username: string }[];
    expect(users.map((u) => u.username)).toContain('cli-bob');
  });

  it('updates fields and the password', async () => {
    await service.createUser({ username: 'cli-upd', password: 'old' });
    const r = await cli(['update', 'cli-upd', '--password-stdin', '--middle-name', 'Q'], 'new-pw');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('updated user cli-upd');
    expect((await api('/find/cli-upd')).body).toMatchObject({ middleName: 'Q' });
    expect((await cli(['password-check', 'cli-upd'], 'new-pw')).exitCode).toBe(0);
  });

  it('gives a provider account a local password only with --allow-local-password', async () => {
    const created = await fetch(`${service.url}/find-or-create`, {
      method: 'POST',
      headers: { authorization: service.authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ username: '_cli_x', provider: 'x' }),
    });
    expect(created.status).toBe(200);
    const refused = await cli(['update', 'x:_cli_x', '--password-stdin'], 'pw-x-1');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('allowLocalPassword');
    expect((await cli(['password-check', 'x:_cli_x'], 'pw-x-1')).exitCode).toBe(1);
    const allowed = await cli(
      ['update', 'x:_cli_x', '--password-stdin', '--allow-local-password'],
      'pw-x-1',
    );
    expect(allowed.exitCode).toBe(0);
    expect((await cli(['password-check', 'x:_cli_x'], 'pw-x-1')).exitCode).toBe(0);
  });

  it('exits 1 for a wrong password, an unknown user, a taken name and invalid input', async () => {
    await service.createUser({ username: 'cli-err', password: 'right' });
    const wrong = await cli(['password-check', 'cli-err'], 'wrong');
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stdout).toContain('password check failed');
    const missing = await cli(['find', 'cli-nobody']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('user not found (HTTP 404)');
    const taken = await cli(['add', '--username', 'cli-err', '--password-stdin', '--json'], 'x');
    expect(taken.exitCode).toBe(1);
    expect((JSON.parse(taken.stdout) as { error: string }).error).toContain('taken');
    const invalid = await cli(['add', 'bad name', '--password-stdin'], 'x');
    expect(invalid.exitCode).toBe(1);
    expect(invalid.stderr).toContain('username: may contain only');
  });

  it('deletes a user', async () => {
    await service.createUser({ username: 'cli-del', password: 'pw' });
    const r = await cli(['delete', 'cli-del']);
    expect(r.exitCode).toBe(0);
    expect((await api('/find/cli-del')).status).toBe(404);
    expect((await cli(['delete', 'cli-del'])).exitCode).toBe(1);
  });

  it('exits 2 on usage and configuration errors', async () => {
    const noStdin = await cli(['add', '--username', 'cli-x']);
    expect(noStdin.exitCode).toBe(2);
    expect(noStdin.stderr).toContain('--password-stdin is required');
    const emptyPw = await cli(['add', '--username', 'cli-x', '--password-stdin'], '');
    expect(emptyPw.exitCode).toBe(2);
    expect(emptyPw.stderr).toContain('no password on stdin');
    expect((await cli(['frobnicate'])).exitCode).toBe(2);
    expect((await cli(['find', '--bogus'])).exitCode).toBe(2);
    expect((await cli([])).exitCode).toBe(2);
    const noKey = await cli(['list'], '', { USERAUTH_API_KEY_FILE: '' });
    expect(noKey.exitCode).toBe(2);
    expect(noKey.stderr).toContain('USERAUTH_API_KEY or USERAUTH_API_KEY_FILE must be set');
    expect((await cli(['--help'])).exitCode).toBe(0);
    expect((await api('/find/cli-x')).status).toBe(404);
  });

  it('exits 1 with a clear message for a wrong key or an unreachable service', async () => {
    const wrongKey = await cli(['list'], '', {
      USERAUTH_API_KEY_FILE: '',
      USERAUTH_API_KEY: 'wrong',
    });
    expect(wrongKey.exitCode).toBe(1);
    expect(wrongKey.stderr).toContain('HTTP 401');
    const down = await cli(['list'], '', { PORT: String(await freePort()) });
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toContain('cannot reach the userauth service');
  });
});
