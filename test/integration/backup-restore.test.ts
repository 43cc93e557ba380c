/**
 * Issue 23, backups on the local engine with the real Notes stack (and one extra service with a
 * plain volume): notes, comments and users written through the apps are backed up, the volumes
 * destroyed, and a restore brings back every row of every table (compared table by table); a
 * damaged, truncated or unlisted file is refused before anything is touched; a backup taken
 * while the app writes is one point in time (the app's own invariant: every write bumps
 * event_clock.ticks and adds one event in the same transaction); no process ever had a secret
 * in its command line, and notesctl printed none.
 */
import { execa } from 'execa';
import { copyFile, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../apps/notes/test/helpers/client.ts';
import { sql, tableContents, type SqlTarget } from '../support/mariadb-sql.ts';
import { runCli } from '../support/run-cli.ts';
import { createStack, type Stack } from '../support/stack.ts';

let stack: Stack;
const password = 'backup pass phrase';

/** The extra service: a plain volume that some process writes to. */
const FILES_SERVICE = `
  files:
    image: notesctl-testbed/debian:bookworm
    command: ['sh', '-c', 'while :; do date >> /data/ticks; sleep 0.2; done']
    volumes: ['uploads:/data']
`;

async function db(service: 'db-notes' | 'db-userauth'): Promise<SqlTarget> {
  const container = (await stack.containers()).get(service);
  if (!container) throw new Error(`no ${service} container`);
  const secret = service === 'db-notes' ? 'db_notes_root_password' : 'db_userauth_root_password';
  return {
    socket: '/run/docker.sock',
    container: container.Id,
    passwordFile: `/run/secrets/${secret}`,
  };
}

async function backups(): Promise<string[]> {
  return (await readdir(join(stack.dir, 'backups'))).filter((f) => f.endsWith('.gz')).sort();
}

async function login(): Promise<Client> {
  const client = new Client(`http://127.0.0.1:${stack.port}`);
  expect((await client.login('ann', password)).status).toBe(302);
  await client.get('/notes/add');
  return client;
}

async function addNote(client: Client, key: string, comment?: string): Promise<void> {
  const saved = await client.post('/notes/save', {
    docreate: 'create',
    notekey: key,
    title: `Title ${key}`,
    body: `Body of ${key}`,
  });
  expect(saved.status).toBe(302);
  if (comment !== undefined) {
    await client.get(`/notes/view?key=${key}`);
    const made = await client.post('/notes/make-comment', { notekey: key, message: comment });
    expect(made.status).toBe(302);
  }
}

describe('backup and restore on the local engine', () => {
  beforeAll(async () => {
    stack = await createStack('bk');
    const file = join(stack.dir, 'notesctl.config.yaml');
    const config = (await readFile(file, 'utf8'))
      .replace('volumes:\n', 'volumes:\n  uploads: {}\n')
      .replace(/\nservices:\n/, `\nservices:\n${FILES_SERVICE}`);
    await writeFile(file, config);
    const up = await stack.cli(['up']);
    expect(up.code, up.stderr).toBe(0);
    const added = await stack.cli(['users', 'add', '--username', 'ann', '--password-stdin'], {
      input: password,
    });
    expect(added.code, added.stderr).toBe(0);
  }, 600_000);
  afterAll(async () => {
    await (stack as Stack | undefined)?.destroy();
  });

  it('brings back every row of every table after the volumes are destroyed', async () => {
    const client = await login();
    for (const key of ['alpha', 'beta', 'gamma']) await addNote(client, key, `on ${key}`);
    const before = {
      notes: await tableContents(await db('db-notes'), 'notes'),
      userauth: await tableContents(await db('db-userauth'), 'userauth'),
    };
    expect(before.notes.notes?.split('\n')).toHaveLength(3);
    expect(before.notes.comments?.split('\n')).toHaveLength(3);
    expect(before.userauth.users).toContain('ann');

    const backup = await stack.cli(['backup']);
    expect(backup.code, backup.stderr).toBe(0);
    const files = await backups();
    expect(files.map((f) => f.replace(/-\d{8}T\d{6}Z/, ''))).toEqual([
      `${stack.project}-db-notes.sql.gz`,
      `${stack.project}-db-userauth.sql.gz`,
      `${stack.project}-uploads.tar.gz`,
    ]);
    expect(backup.stderr).toContain('files paused while the volume was copied');
    // The volume's copy holds what the service wrote, whole.
    const tar = await execa('tar', [
      '-xzOf',
      join(stack.dir, 'backups', files[2] ?? ''),
      'volume/ticks',
    ]);
    expect(tar.stdout.split('\n').length).toBeGreaterThan(0);
    const manifest = JSON.parse(
      await readFile(join(stack.dir, 'backups', `${files[0] ?? ''}.json`), 'utf8'),
    ) as { database: string; image: string; sha256: string; tool: string };
    expect(manifest).toMatchObject({ database: 'notes', image: 'mariadb:10.11' });
    expect(manifest.tool).toMatch(/^MariaDB dump/);

    const down = await stack.cli(['down', '--volumes', '--yes']);
    expect(down.code, down.stderr).toBe(0);
    const up = await stack.cli(['up']);
    expect(up.code, up.stderr).toBe(0);
    expect((await tableContents(await db('db-notes'), 'notes')).notes).toBe('');

    for (const [service, file] of [
      ['db-notes', files[0]],
      ['db-userauth', files[1]],
    ] as const) {
      const restore = await stack.cli(['restore', service, join('backups', file ?? ''), '--yes']);
      expect(restore.code, restore.stderr).toBe(0);
      expect(restore.stdout).toMatch(/restored .* table\(s\), \d+ row\(s\)/);
    }
    expect(await tableContents(await db('db-notes'), 'notes')).toEqual(before.notes);
    expect(await tableContents(await db('db-userauth'), 'userauth')).toEqual(before.userauth);
    // And the app works on the restored data: ann logs in, her note is there.
    const again = await login();
    expect((await again.get('/notes/view?key=beta')).text).toContain('on beta');
  });

  it('refuses a damaged, truncated or unlisted file, or no confirmation, before touching anything', async () => {
    const [dump] = await backups();
    const source = join(stack.dir, 'backups', dump ?? '');
    const target = await db('db-notes');
    await sql(target, "INSERT INTO notes.session_revocations VALUES ('marker', NOW())");
    const started = (await stack.containers()).get('db-notes')?.Id;
    const copy = async (name: string, change: (file: string) => Promise<void>) => {
      const file = join(stack.dir, name);
      await copyFile(source, file);
      await copyFile(`${source}.json`, `${file}.json`);
      await change(file);
      return file;
    };
    const flipped = await copy('flipped.sql.gz', async (file) => {
      const bytes = await readFile(file);
      const middle = Math.floor(bytes.length / 2);
      bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
      await writeFile(file, bytes);
    });
    const short = await copy('short.sql.gz', async (file) => {
      await truncate(file, (await stat(file)).size - 100);
    });
    const unlisted = await copy('unlisted.sql.gz', (file) => rm(`${file}.json`));
    for (const [file, why] of [
      [flipped, /damaged|does not match its manifest/],
      [short, /damaged|does not match its manifest/],
      [unlisted, /manifest .* is missing/],
    ] as const) {
      const restore = await stack.cli(['restore', 'db-notes', file, '--yes']);
      expect(restore.code, restore.stderr).toBe(1);
      expect(restore.stderr).toMatch(why);
    }
    // Without a terminal and without --yes: a usage error, nothing done.
    const unconfirmed = await stack.cli(['restore', 'db-notes', source]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('Pass --yes');
    const wrong = await stack.cli(['restore', 'db-userauth', source, '--yes']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('a dump of database notes');
    expect(await sql(target, 'SELECT sid FROM notes.session_revocations')).toBe('marker');
    expect((await stack.containers()).get('db-notes')?.Id).toBe(started);
  });

  it('takes one point in time while the app writes, and no command line ever holds a secret', async () => {
    const target = await db('db-notes');
    // Bulk rows, written as the app writes (ticks and one event per note, one transaction), so
    // the dump lasts long enough for the writes below to overlap it.
    await sql(
      target,
      `USE notes;
       START TRANSACTION;
       UPDATE notes.event_clock SET ticks = ticks + 30000 WHERE id = 1;
       INSERT INTO notes.notes SELECT CONCAT('bulk-', seq), CONCAT('Bulk ', seq), REPEAT('x', 600), 'ann', 'Ann', NOW(), NOW() FROM seq_1_to_30000;
       INSERT INTO notes.events (kind, notekey, data, created_at) SELECT 'note-saved', CONCAT('bulk-', seq), '{}', NOW() FROM seq_1_to_30000;
       COMMIT;`,
    );
    const invariant = `SELECT (SELECT ticks FROM notes.event_clock) - (SELECT COUNT(*) FROM notes.events), (SELECT COUNT(*) FROM notes.notes)`;
    expect((await sql(target, invariant)).split('\t')[0]).toBe('0');

    const secrets = await stack.secretValues();
    const seen = new Set<string>();
    const running = { sampling: true, writing: true };
    const sampler = (async () => {
      while (running.sampling) {
        for (const pid of await readdir('/proc').catch(() => [])) {
          if (!/^\d+$/.test(pid)) continue;
          const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
          if (argv.includes('notesctl-dump') || argv.includes('mariadb-dump')) seen.add(argv);
          for (const secret of secrets) {
            if (argv.includes(secret)) throw new Error(`a secret in /proc/${pid}/cmdline: ${argv}`);
          }
        }
      }
    })();
    const client = await login();
    let written = 0;
    const writer = (async () => {
      while (running.writing) {
        await addNote(client, `w-${written}`, 'c');
        written++;
      }
    })();
    while (written < 5) await new Promise((r) => setTimeout(r, 20));
    const countAt = async () => Number((await sql(target, invariant)).split('\t')[1]);
    const low = await countAt();
    const backup = await stack.cli(['backup', 'db-notes']);
    const high = await countAt();
    running.writing = false;
    await writer;
    running.sampling = false;
    await sampler;
    expect(backup.code, backup.stderr).toBe(0);
    expect(high).toBeGreaterThan(low); // the writes went on during the backup
    expect([...seen].some((argv) => argv.includes('notesctl-dump'))).toBe(true);
    for (const secret of secrets) expect(backup.stdout + backup.stderr).not.toContain(secret);

    const file = (await backups()).filter((f) => f.includes('-db-notes-')).pop() ?? '';
    const restore = await stack.cli(['restore', 'db-notes', join('backups', file), '--yes']);
    expect(restore.code, restore.stderr).toBe(0);
    for (const secret of secrets) expect(restore.stdout + restore.stderr).not.toContain(secret);
    const [drift, notes] = (await sql(target, invariant)).split('\t').map(Number);
    expect(drift).toBe(0);
    expect(notes).toBeGreaterThanOrEqual(low);
    expect(notes).toBeLessThanOrEqual(high);
    // Every comment's note came back with it.
    expect(
      await sql(
        target,
        'SELECT COUNT(*) FROM notes.comments c LEFT JOIN notes.notes n USING (notekey) WHERE n.notekey IS NULL',
      ),
    ).toBe('0');
  });

  it('works from the built CLI, and --keep prunes the older backups of each item', async () => {
    const result = await runCli(['backup', 'db-userauth', '--keep', '1'], {
      cwd: stack.dir,
      env: stack.env,
      built: true,
    });
    expect(result.code, result.stderr).toBe(0);
    expect((await backups()).filter((f) => f.includes('-db-userauth-'))).toHaveLength(1);
    expect(result.stderr).toMatch(/deleted older backup .*db-userauth/);
  });
});
