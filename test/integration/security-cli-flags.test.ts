/**
 * Wrong command lines (issue 7): unknown, missing, invalid and conflicting flags and arguments.
 * Each ends with exit 2 and a message that names the flag or argument (no stack trace), before
 * any engine call (a recording proxy stands in front of the real socket) and before anything is
 * written to the state folder.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.ts';
import { runCli } from '../support/run-cli.ts';

/** The Notes stack's topology, read in place (nothing here gets as far as building). */
const TOPOLOGY = join(import.meta.dirname, '..', '..', 'notesctl.config.yaml');

const CASES: {
  kind: string;
  args: string[];
  input?: string;
  env?: Record<string, string>;
  says: RegExp;
}[] = [
  { kind: 'unknown', args: ['frobnicate'], says: /unknown command 'frobnicate'/ },
  { kind: 'unknown', args: ['up', '--frobnicate'], says: /unknown option '--frobnicate'/ },
  {
    kind: 'unknown',
    args: ['up', '--force-recrate'],
    says: /unknown option '--force-recrate'\n\(Did you mean --force-recreate\?\)/,
  },
  { kind: 'unknown', args: ['plan', '--build'], says: /unknown option '--build'/ },
  { kind: 'unknown', args: ['users', 'frobnicate'], says: /unknown command 'frobnicate'/ },
  { kind: 'unknown', args: ['ps', 'extra'], says: /too many arguments for 'ps'/ },
  { kind: 'unknown', args: ['up', 'nosuch'], says: /unknown service: nosuch/ },
  { kind: 'unknown', args: ['logs', 'notes', 'nosuch'], says: /unknown service: nosuch/ },
  { kind: 'unknown', args: ['--host', 'nosuch', 'ps'], says: /--host: unknown host "nosuch"/ },
  {
    kind: 'unknown',
    args: ['up', '-f', 'other.yaml'],
    says: /unknown option '-f'[\s\S]*put it before the command/,
  },
  { kind: 'missing', args: ['exec'], says: /missing required argument 'service'/ },
  { kind: 'missing', args: ['exec', 'notes'], says: /exec notes: missing the command to run/ },
  { kind: 'missing', args: ['logs', '--tail'], says: /option '--tail <n>' argument missing/ },
  { kind: 'missing', args: ['-f'], says: /option '-f, --file <file>' argument missing/ },
  { kind: 'missing', args: ['users', 'find'], says: /missing required argument 'username'/ },
  {
    kind: 'missing',
    args: ['users', 'add', '--password-stdin'],
    input: 'pw',
    says: /users add: missing --username/,
  },
  {
    kind: 'missing',
    args: ['users', 'add', '--username', 'ann'],
    says: /missing password: no terminal to ask on[\s\S]*--password-stdin/,
  },
  {
    kind: 'missing',
    args: ['users', 'add', '--username', 'ann', '--password-stdin'],
    says: /--password-stdin: standard input was empty/,
  },
  {
    kind: 'missing',
    args: ['users', 'update', 'ann'],
    says: /users update ann: nothing to change/,
  },
  {
    kind: 'missing',
    args: ['provision', 'ssh', 'web1'],
    says: /missing required argument 'target'/,
  },
  { kind: 'missing', args: ['hosts', 'rm'], says: /missing required argument 'name'/ },
  {
    kind: 'missing',
    args: ['down', '--volumes'],
    says: /refusing without confirmation[\s\S]*Pass --yes/,
  },
  {
    kind: 'invalid',
    args: ['logs', '--tail', 'abc'],
    says: /--tail: expected a whole number of lines, got "abc"/,
  },
  {
    kind: 'invalid',
    args: ['logs', '--since', 'yesterday'],
    says: /--since: expected a duration like 10m or 2h, or a timestamp/,
  },
  {
    kind: 'invalid',
    args: ['ps'],
    env: { DOCKER_HOST: 'tcp://203.0.113.1:2375' },
    says: /DOCKER_HOST=tcp:\/\/203\.0\.113\.1:2375 is not supported for the local engine/,
  },
  {
    kind: 'conflicting',
    args: ['users', 'add', '--username', 'ann', '--password', 'hunter2-flag', '--password-stdin'],
    input: 'hunter2-stdin',
    says: /--password and --password-stdin cannot be used together/,
  },
  {
    kind: 'conflicting',
    args: ['-q', '-v', 'ps'],
    says: /-q\/--quiet and -v\/--verbose cannot be used together/,
  },
  { kind: 'conflicting', args: ['ps', '--quiet', '--verbose'], says: /cannot be used together/ },
  { kind: 'conflicting', args: ['-q', 'up', '-v'], says: /cannot be used together/ },
];

let proxy: RecordingProxy;
let dir: string;

describe('wrong command lines', () => {
  beforeAll(async () => {
    proxy = await startRecordingProxy();
    dir = await mkdtemp(join(tmpdir(), 'notesctl-flags-'));
  });
  afterAll(async () => {
    await (proxy as RecordingProxy | undefined)?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`answers ${CASES.length} wrong command lines with a clear message and exit 2, touching nothing`, async () => {
    const home = join(dir, 'home');
    const figures: string[] = [];
    for (const c of CASES) {
      const args = c.args[0] === '-f' ? c.args : ['-f', TOPOLOGY, ...c.args];
      const result = await runCli(args, {
        cwd: dir,
        input: c.input,
        env: { DOCKER_HOST: proxy.dockerHost, NOTESCTL_HOME: home, ...c.env },
      });
      const shown = `notesctl ${c.args.join(' ')}`;
      expect(result.code, `${shown}\n${result.stderr}`).toBe(2);
      expect(result.stderr, shown).toMatch(/^ERROR /);
      expect(result.stderr, shown).toMatch(c.says);
      expect(result.stderr, shown).not.toMatch(/\n\s+at /);
      expect(result.stdout, shown).toBe('');
      expect(`${result.stdout}${result.stderr}`).not.toMatch(/hunter2/);
      figures.push(`  ${c.kind.padEnd(11)} ${shown.padEnd(70)} ${result.ms} ms`);
    }
    console.error(`wrong command lines (kind, command, wall ms):\n${figures.join('\n')}`);
    expect(proxy.calls).toEqual([]);
    expect(existsSync(home)).toBe(false);
  });
});
