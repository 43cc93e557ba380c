/**
 * The plain server's database backup scripts (issue 23 on runtime: systemd/pm2), run by bash
 * for real with systemctl, mariadb and mariadb-dump replaced by scripts that record their
 * arguments: what the dump runs (root over the socket, the consistency flags, one database),
 * that a failing dump or a damaged stream fails the script, and that no password is involved.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseLogin } from '../../../../src/backup/mariadb.ts';
import type { Shell } from '../../../../src/engine/shell.ts';
import {
  dumpDatabaseScript,
  dumpPlainDatabase,
  probeDatabaseScript,
  queryDatabaseScript,
  queryPlainDatabase,
  restoreDatabaseScript,
  restorePlainDatabase,
} from '../../../../src/targets/systemd/database-backup.ts';
import { SystemdTarget } from '../../../../src/targets/systemd/systemd-target.ts';
import { topology } from './fixtures.ts';

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

/** A Shell that runs each script with bash here, the fake programs first in PATH. */
function localShell(): Shell {
  return {
    hostName: 'vps',
    async run(script, options = {}) {
      // HOME: bash reads ~/.bashrc when its stdin is a socket (as Node's pipes are).
      const child = spawn('bash', ['-c', script], {
        env: { PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`, HOME: dir },
      });
      const { input } = options;
      if (input === undefined) child.stdin.end();
      else if (Buffer.isBuffer(input)) child.stdin.end(input);
      else input.pipe(child.stdin);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) =>
        options.stdout ? options.stdout.write(c) : out.push(c),
      );
      child.stderr.on('data', (c: Buffer) => err.push(c));
      const code = await new Promise<number>((resolve) =>
        child.on('close', (c) => resolve(c ?? 255)),
      );
      return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
    },
    attach: () => Promise.reject(new Error('not used')),
    lost: () => undefined,
    close: () => Promise.resolve(),
  };
}

/** A writable keeping what it is given, and whether it was ended. */
function collect(): { stream: Writable; bytes: () => Buffer; ended: () => boolean } {
  const chunks: Buffer[] = [];
  let ended = false;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
    final(callback) {
      ended = true;
      callback();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks), ended: () => ended };
}

const login: DatabaseLogin = {
  service: 'db-notes',
  database: 'notes',
  user: 'root',
  passwordFile: '/run/secrets/unused',
};
const signal = new AbortController().signal;

describe('a plain server target', () => {
  beforeEach(() => {
    fake(
      'mariadb',
      'case "$*" in *VERSION*) echo 10.11.11-MariaDB ;; *SCHEMA*) echo 1 ;; *) cat ;; esac',
    );
  });

  it('streams the dump into the file, ends it and names the server for the manifest', async () => {
    fake('mariadb-dump', 'echo "-- MariaDB dump"; echo "-- Dump completed"');
    const out = collect();
    const dump = await dumpPlainDatabase(localShell(), login, out.stream, { signal });
    await new Promise((r) => setImmediate(r));
    expect(gunzipSync(out.bytes()).toString()).toBe('-- MariaDB dump\n-- Dump completed\n');
    expect(out.ended()).toBe(true);
    expect(dump).toEqual({ image: "mariadb 10.11.11-MariaDB (the host's server)" });
  });

  it('says which database is missing, and what failed in a dump, naming the host', async () => {
    fake('mariadb', 'echo 0');
    await expect(
      dumpPlainDatabase(localShell(), login, collect().stream, { signal }),
    ).rejects.toThrow('database notes of db-notes does not exist on vps');
    fake('mariadb', 'case "$*" in *VERSION*) echo 10.11.11 ;; *) echo 1 ;; esac');
    fake('mariadb-dump', 'echo "mariadb-dump: Got error: 1044: Access denied" >&2; exit 2');
    await expect(
      dumpPlainDatabase(localShell(), login, collect().stream, { signal }),
    ).rejects.toThrow(
      'the dump of db-notes (database notes) on vps failed (exit code 2): mariadb-dump: Got error: 1044: Access denied',
    );
  });

  it('restores a gzip stream and queries through the same client', async () => {
    fake('mariadb', `cat >> "${dir}/sql"`);
    const restored = await restorePlainDatabase(
      localShell(),
      login,
      Readable.from([gzipSync('CREATE TABLE t (a INT);\n')]),
      { signal },
    );
    expect(restored).toEqual({ compressed: true });
    expect(await queryPlainDatabase(localShell(), login, 'SELECT 1;\n')).toBe('');
    expect(readFileSync(join(dir, 'sql'), 'utf8')).toBe('CREATE TABLE t (a INT);\nSELECT 1;\n');
  });

  it("refuses a volume other than a database's, naming its folder and the units to stop", async () => {
    const t = topology("    volumes: ['uploads:/data']", 'volumes:', '  uploads: {}');
    const target = new SystemdTarget('vps', t, localShell());
    await expect(target.archiveVolume('uploads')).rejects.toThrow(
      'a backup of volume uploads on vps (runtime: systemd) is not supported yet',
    );
    await expect(target.restoreVolume('uploads')).rejects.toMatchObject({
      hint: expect.stringContaining(
        "Back up the databases alone (notesctl backup db). The volume's files are in /var/lib/notesctl-p/uploads on the server: stop notesctl-p-web.service",
      ) as string,
    });
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
