/**
 * The plain server's database backup scripts (issue 23 on runtime: systemd/pm2), run by bash
 * for real with systemctl, mariadb and mariadb-dump replaced by scripts that record their
 * arguments: what the dump runs (root over the socket, the consistency flags, one database),
 * that a failing dump or a damaged stream fails the script, and that no password is involved.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  dumpDatabaseScript,
  probeDatabaseScript,
  queryDatabaseScript,
  restoreDatabaseScript,
} from '../../../../src/targets/systemd/database-backup.ts';

let dir: string;

/** A fake program: records its arguments (and stdin, for mariadb) and runs `body`. */
function fake(name: string, body: string): void {
  const file = join(dir, 'bin', name);
  writeFileSync(file, `#!/bin/bash\necho "${name} $*" >> "${dir}/calls"\n${body}\n`);
  chmodSync(file, 0o755);
}

function run(script: string, input?: Buffer) {
  return spawnSync('bash', ['-c', script], {
    input,
    env: { PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` },
  });
}

function calls(): string {
  return readFileSync(join(dir, 'calls'), 'utf8');
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'notesctl-dbbackup-'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'calls'), '');
  fake('systemctl', 'echo active');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the dump script', () => {
  it('dumps one database as root over the socket, consistently, gzip-compressed', () => {
    fake('mariadb-dump', 'echo "-- MariaDB dump"; echo "-- Dump completed"');
    const result = run(dumpDatabaseScript('notes'));
    expect(result.status, result.stderr.toString()).toBe(0);
    expect(gunzipSync(result.stdout).toString()).toBe('-- MariaDB dump\n-- Dump completed\n');
    expect(calls()).toBe(
      'mariadb-dump --protocol=socket -u root --single-transaction --quick --routines --events --triggers --hex-blob --add-drop-database --databases notes\n',
    );
  });

  it('fails when the dump fails, though gzip succeeds after it', () => {
    fake('mariadb-dump', 'echo "-- partial"; echo "Got error: 2013" >&2; exit 2');
    const result = run(dumpDatabaseScript('notes'));
    expect(result.status).toBe(2);
    expect(result.stderr.toString()).toContain('Got error: 2013');
  });

  it('quotes the database name for the shell', () => {
    expect(dumpDatabaseScript("o'db")).toContain(`--databases 'o'\\''db'`);
  });
});

describe('the probe before a dump', () => {
  it('prints the server version when MariaDB runs and holds the database', () => {
    fake('mariadb', 'case "$*" in *VERSION*) echo 10.11.11-MariaDB ;; *) echo 1 ;; esac');
    const result = run(probeDatabaseScript('notes'));
    expect(result.status, result.stderr.toString()).toBe(0);
    expect(result.stdout.toString()).toBe('10.11.11-MariaDB\n');
    expect(calls()).toContain("SCHEMA_NAME='notes'");
  });

  it('exits 3 when MariaDB is not running and 4 when the database is missing', () => {
    fake('systemctl', 'echo inactive');
    expect(run(probeDatabaseScript('notes')).status).toBe(3);
    fake('systemctl', 'echo active');
    fake('mariadb', 'echo 0');
    expect(run(probeDatabaseScript('notes')).status).toBe(4);
  });
});

describe('the restore script', () => {
  it('decompresses the dump into the client as root over the socket', () => {
    fake('mariadb', `cat > "${dir}/sql"`);
    const result = run(restoreDatabaseScript('notes'), gzipSync('DROP DATABASE x;\n'));
    expect(result.status, result.stderr.toString()).toBe(0);
    expect(readFileSync(join(dir, 'sql'), 'utf8')).toBe('DROP DATABASE x;\n');
    expect(calls()).toBe('mariadb --protocol=socket -u root --batch\n');
  });

  it('fails on a damaged stream, and when the client fails', () => {
    fake('mariadb', 'cat > /dev/null');
    const whole = gzipSync('SELECT 1;\n'.repeat(1000));
    expect(run(restoreDatabaseScript('notes'), whole.subarray(0, 40)).status).not.toBe(0);
    fake('mariadb', 'cat > /dev/null; echo "ERROR 1064" >&2; exit 1');
    const failed = run(restoreDatabaseScript('notes'), whole);
    expect(failed.status).toBe(1);
    expect(failed.stderr.toString()).toContain('ERROR 1064');
  });
});

describe('every script', () => {
  it('names no password: root is authenticated by the unix socket', () => {
    const scripts = [
      probeDatabaseScript('notes'),
      dumpDatabaseScript('notes'),
      restoreDatabaseScript('notes'),
      queryDatabaseScript(),
    ].join('\n');
    expect(scripts).not.toMatch(/password|MYSQL_PWD|-p\b|defaults-extra-file/i);
    expect(scripts.match(/--protocol=socket -u root/g)).toHaveLength(5);
  });
});
