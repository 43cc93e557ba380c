/**
 * The database script run by bash for real (issue 21), with the MariaDB client replaced by `cat`
 * so the SQL it would receive can be read, and /etc/notesctl moved to a scratch folder.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseScript } from '../../../../src/targets/systemd/scripts.ts';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'notesctl-dbscript-'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'mariadb'), '#!/bin/sh\ncat\n');
  chmodSync(join(dir, 'bin', 'mariadb'), 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(project: string, user: string, password: string) {
  const script = databaseScript(project, 'db', 'app', user, 'h1').replaceAll(
    '/etc/notesctl',
    join(dir, 'etc'),
  );
  return spawnSync('bash', ['-c', script], {
    input: password,
    encoding: 'utf8',
    env: { PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` },
  });
}

describe('the database script', () => {
  it('sends the password from stdin escaped for SQL through a pipe, and records its claim', () => {
    const result = run('p', "o'k", "pa'ss\\word");
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      "CREATE USER IF NOT EXISTS 'o\\'k'@'localhost' IDENTIFIED BY 'pa\\'ss\\\\word';",
    );
    expect(result.stdout).toContain(
      "ALTER USER 'o\\'k'@'127.0.0.1' IDENTIFIED BY 'pa\\'ss\\\\word';",
    );
    expect(readFileSync(join(dir, 'etc', 'p', 'databases', 'db.claims'), 'utf8')).toBe(
      "user o'k\ndatabase app\n",
    );
  });

  it('refuses a user or database another project on the host holds, changing nothing', () => {
    expect(run('first', 'app', 'one').status).toBe(0);
    const second = run('second', 'app', 'two');
    expect(second.status).toBe(3);
    expect(second.stderr).toContain(
      'the MariaDB user app or database app belongs to another project on this host',
    );
    expect(second.stdout).toBe('');
    expect(execFileSync('ls', [join(dir, 'etc')], { encoding: 'utf8' })).toBe('first\n');
  });
});
