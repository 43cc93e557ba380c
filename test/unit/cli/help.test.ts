/**
 * `--help` of the program and of every command stays as it is (issue 18: the flags moved into one
 * module per command; the text users read must not notice). Each case runs the CLI as a process,
 * with stdout a pipe (80 columns, no colours) as in CI logs; the goldens are in ./help/. After an
 * intended change to a help text, regenerate them with `npx vitest run --project unit -u` and
 * review the diff.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ENTRY = join(import.meta.dirname, '..', '..', 'support', 'notesctl-entry.ts');

/** Golden file name → argv. */
const CASES: Record<string, string[]> = {
  notesctl: ['--help'],
  up: ['up', '--help'],
  down: ['down', '--help'],
  ps: ['ps', '--help'],
  logs: ['logs', '--help'],
  exec: ['exec', '--help'],
  plan: ['plan', '--help'],
  build: ['build', '--help'],
  releases: ['releases', '--help'],
  rollback: ['rollback', '--help'],
  users: ['users', '--help'],
  'users-add': ['users', 'add', '--help'],
  'users-list': ['users', 'list', '--help'],
  'users-find': ['users', 'find', '--help'],
  'users-delete': ['users', 'delete', '--help'],
  'users-update': ['users', 'update', '--help'],
  'users-password-check': ['users', 'password-check', '--help'],
  provision: ['provision', '--help'],
  'provision-ssh': ['provision', 'ssh', '--help'],
  'provision-digitalocean': ['provision', 'digitalocean', '--help'],
  hosts: ['hosts', '--help'],
  'hosts-ls': ['hosts', 'ls', '--help'],
  'hosts-show': ['hosts', 'show', '--help'],
  'hosts-rm': ['hosts', 'rm', '--help'],
  'hosts-ssh': ['hosts', 'ssh', '--help'],
};

/** The `help` command and the group-level `help` print the same text as --help. */
const SAME_AS: [string[], string][] = [
  [['help'], 'notesctl'],
  [['help', 'up'], 'up'],
  [['help', 'users'], 'users'],
  [['users', 'help', 'add'], 'users-add'],
  [['hosts', 'help', 'rm'], 'hosts-rm'],
  [['provision', 'help', 'digitalocean'], 'provision-digitalocean'],
  [['-f', 'x.yaml', '--json', 'logs', '--help'], 'logs'],
];

const run = promisify(execFile);

function golden(name: string): Promise<string> {
  return readFile(join(import.meta.dirname, 'help', `${name}.txt`), 'utf8');
}

async function notesctl(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.NOTESCTL_FILE;
  delete env.FORCE_COLOR;
  return run(process.execPath, [ENTRY, ...args], { env, timeout: 20_000 });
}

describe('help text', () => {
  it.concurrent.for(Object.entries(CASES))(
    '%s matches its golden',
    async ([name, args], { expect }) => {
      const { stdout, stderr } = await notesctl(args);
      expect(stderr).toBe('');
      await expect(stdout).toMatchFileSnapshot(join('help', `${name}.txt`));
    },
  );

  it.concurrent.for(SAME_AS)('%j prints the help of %s', async ([args, name], { expect }) => {
    const { stdout } = await notesctl(args);
    expect(stdout).toBe(await golden(name));
  });

  it('prints the program help on stderr and exits 2 without a command', async () => {
    const failed = await notesctl([]).then(
      () => undefined,
      (error: unknown) => error as { code: number; stdout: string; stderr: string },
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stdout).toBe('');
    expect(failed?.stderr).toBe(await golden('notesctl'));
  });
});
