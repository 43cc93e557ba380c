/**
 * The pure side of `backup`/`restore` (issue 23): which services are databases and how to log
 * in, the commands run in their containers (as text), what a backup covers, and the checks a
 * file must pass (whole gzip, the dump's last line, the tar's end blocks, the manifest's
 * checksum) before a restore touches anything; --keep's pruning.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkingSink,
  pruneBackups,
  verifyBackupFile,
  writeManifest,
  backupFileName,
  type BackupManifest,
} from '../../../src/backup/files.ts';
import {
  clientArgv,
  countRowsSql,
  databaseLogin,
  dumpArgv,
  isDatabaseService,
} from '../../../src/backup/mariadb.ts';
import { planBackup } from '../../../src/backup/plan.ts';
import type { Service, Topology } from '../../../src/model/topology.ts';
import { makeService } from '../../support/model-fixtures.ts';

function database(name: string, extra: Partial<Service> = {}): Service {
  return makeService(name, {
    image: { kind: 'image', ref: 'mariadb:10.11' },
    env: { MARIADB_DATABASE: 'notes', MARIADB_USER: 'notes' },
    secrets: [
      { secret: `${name}_pw`, target: `/run/secrets/${name}_pw`, envVar: 'MARIADB_PASSWORD_FILE' },
      {
        secret: `${name}_root`,
        target: `/run/secrets/${name}_root`,
        envVar: 'MARIADB_ROOT_PASSWORD_FILE',
      },
    ],
    volumes: [{ volume: `${name}-data`, target: '/var/lib/mysql', readOnly: false }],
    ...extra,
  });
}

function topology(services: Service[]): Topology {
  return {
    project: 'notes',
    file: 'notesctl.config.yaml',
    services: Object.fromEntries(services.map((s) => [s.name, s])),
  } as unknown as Topology;
}

const DUMP =
  '-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB\nCREATE TABLE t (id int);\n-- Dump completed on 2026-12-07 12:00:00\n';

async function check(kind: BackupManifest['kind'], bytes: Buffer) {
  const { sink, check: result } = checkingSink(kind);
  await pipeline(Readable.from([bytes]), sink);
  return result();
}

describe('database services', () => {
  it('are recognised by their image name, whatever the registry, tag or digest', () => {
    const image = (ref: string) => makeService('x', { image: { kind: 'image', ref } });
    expect(isDatabaseService(image('mariadb:10.11'))).toBe(true);
    expect(isDatabaseService(image('docker.io/library/mysql:8.4'))).toBe(true);
    expect(isDatabaseService(image('registry.example/db/mariadb@sha256:abc'))).toBe(true);
    expect(isDatabaseService(image('node:24-bookworm-slim'))).toBe(false);
    expect(isDatabaseService(image('example/mariadb-exporter:1'))).toBe(false);
  });

  it('log in as root with the root password secret, else as the app user, else say why not', () => {
    expect(databaseLogin(database('db-notes'))).toEqual({
      service: 'db-notes',
      database: 'notes',
      user: 'root',
      passwordFile: '/run/secrets/db-notes_root',
    });
    const appOnly = database('db', {
      secrets: [{ secret: 'pw', target: '/run/secrets/pw', envVar: 'MYSQL_PASSWORD_FILE' }],
      env: { MYSQL_DATABASE: 'app', MYSQL_USER: 'app' },
    });
    expect(databaseLogin(appOnly)).toMatchObject({ user: 'app', passwordFile: '/run/secrets/pw' });
    expect(databaseLogin(database('db', { env: {} }))).toMatch(/names no database/);
    expect(databaseLogin(database('db', { secrets: [] }))).toMatch(/not secrets/);
  });

  it('are dumped and restored by commands whose arguments hold the secret file path, never a password', () => {
    const login = {
      service: 'db',
      database: 'notes',
      user: 'root',
      passwordFile: '/run/secrets/r',
    };
    const dump = dumpArgv(login, 'gzip');
    expect(dump.slice(0, 2)).toEqual(['sh', '-c']);
    expect(dump.slice(3)).toEqual(['notesctl-dump', '/run/secrets/r', 'root', 'notes', 'gzip']);
    expect(dump[2]).toContain(
      '--defaults-extra-file=/dev/stdin --single-transaction --quick --routines --events --triggers --hex-blob --add-drop-database --databases "$db"',
    );
    // The option file is printed by the shell's builtin printf from the file's content.
    expect(dump[2]).toContain(`printf '[client]\\nuser=%s\\npassword="%s"\\n'`);
    expect(clientArgv(login, 'plain', ['--batch']).slice(3)).toEqual([
      'notesctl-sql',
      '/run/secrets/r',
      'root',
      'plain',
      '--batch',
    ]);
  });

  it('count rows with quoted identifiers and literals', () => {
    expect(countRowsSql('my`db', ["it's", 'b'])).toBe(
      "SELECT 'it\\'s', COUNT(*) FROM `my``db`.`it's`\nUNION ALL\nSELECT 'b', COUNT(*) FROM `my``db`.`b`;\n",
    );
  });
});

describe('planBackup', () => {
  const files = makeService('files', {
    volumes: [{ volume: 'uploads', target: '/data', readOnly: false }],
  });
  const reader = makeService('reader', {
    volumes: [
      { volume: 'uploads', target: '/data', readOnly: true },
      { volume: 'db-notes-data', target: '/db', readOnly: true },
    ],
  });
  const stack = topology([database('db-notes'), database('db-userauth'), files, reader]);

  it('dumps each database and tars every other volume once, naming all its users', () => {
    const items = planBackup(stack, []);
    expect(items.map((i) => (i.kind === 'database' ? i.login.service : i))).toEqual([
      'db-notes',
      'db-userauth',
      { kind: 'volume', host: 'local', volume: 'uploads', usedBy: ['files', 'reader'] },
    ]);
  });

  it('backs up only the services named; a database volume is never tarred', () => {
    expect(planBackup(stack, ['reader'])).toEqual([
      { kind: 'volume', host: 'local', volume: 'uploads', usedBy: ['files', 'reader'] },
    ]);
  });

  it('refuses unknown services and services with nothing to back up, naming them', () => {
    expect(() => planBackup(stack, ['nope'])).toThrow(/unknown service: nope/);
    expect(() => planBackup(topology([makeService('web')]), ['web'])).toThrow(
      /nothing to back up in web/,
    );
  });
});

describe('backup files', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('accept a whole dump and report its header and sizes', async () => {
    const found = await check('mariadb-dump', gzipSync(DUMP));
    expect(found.firstLine).toBe('MariaDB dump 10.19  Distrib 10.11.19-MariaDB');
    expect(found.contentBytes).toBe(Buffer.byteLength(DUMP));
  });

  it('refuse a truncated gzip stream, and a whole one whose dump stops early', async () => {
    const whole = gzipSync(DUMP);
    await expect(check('mariadb-dump', whole.subarray(0, whole.length - 9))).rejects.toThrow(
      /not a whole gzip stream/,
    );
    const early = gzipSync(DUMP.split('-- Dump completed')[0] ?? '');
    await expect(check('mariadb-dump', early)).rejects.toThrow(/Dump completed/);
  });

  it('refuse a tar without its end-of-archive blocks', async () => {
    const tar = Buffer.concat([Buffer.alloc(512, 1), Buffer.alloc(1024)]);
    await expect(check('volume-tar', gzipSync(tar))).resolves.toMatchObject({ contentBytes: 1536 });
    await expect(check('volume-tar', gzipSync(tar.subarray(0, 1024)))).rejects.toThrow(/tar/);
  });

  it('are refused when a byte differs from what the manifest recorded', async () => {
    dir = await mkdtemp(join(tmpdir(), 'notesctl-backup-unit-'));
    const file = join(dir, 'a.sql.gz');
    const bytes = gzipSync(DUMP);
    await writeFile(file, bytes);
    const found = await check('mariadb-dump', bytes);
    const manifest = { format: 'notesctl-backup/1', kind: 'mariadb-dump', ...found } as const;
    await expect(
      verifyBackupFile(file, manifest as unknown as BackupManifest),
    ).resolves.toMatchObject({
      sha256: found.sha256,
    });
    await expect(
      verifyBackupFile(file, { ...manifest, sha256: '0'.repeat(64) } as unknown as BackupManifest),
    ).rejects.toThrow(/does not match its manifest.*nothing was changed/);
  });

  it('--keep deletes the oldest backups of one item only, with their manifests', async () => {
    dir = await mkdtemp(join(tmpdir(), 'notesctl-backup-unit-'));
    const write = async (project: string, item: string, hour: number) => {
      const date = new Date(Date.UTC(2026, 11, 7, hour));
      const name = backupFileName(project, item, 'mariadb-dump', date);
      await writeFile(join(dir ?? '', name), 'x');
      await writeManifest(join(dir ?? '', name), {
        format: 'notesctl-backup/1',
        project,
        item,
        file: name,
        createdAt: date.toISOString(),
      } as BackupManifest);
      return name;
    };
    const oldest = await write('notes', 'db-notes', 1);
    const middle = await write('notes', 'db-notes', 2);
    const newest = await write('notes', 'db-notes', 3);
    const other = await write('notes', 'db-userauth', 0);
    const elsewhere = await write('staging', 'db-notes', 0);
    await writeFile(join(dir, 'unrelated.gz.json'), '{not json');
    const removed = await pruneBackups(dir, 'notes', 'db-notes', 2);
    expect(removed).toEqual([join(dir, oldest)]);
    expect((await readdir(dir)).sort()).toEqual(
      [middle, newest, other, elsewhere]
        .flatMap((n) => [n, `${n}.json`])
        .concat('unrelated.gz.json')
        .sort(),
    );
  });
});
