/**
 * Issue 21 end to end: the Notes topology deployed with `runtime: systemd` to a systemd "VPS"
 * (test/bed/vps.ts: a container booting systemd, reached only through its sshd, host key
 * pinned). One VPS for the whole file. Asserts on what the server holds (systemd's state, files,
 * MariaDB), not on printed text alone.
 */
import {
  appendFile,
  copyFile,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../apps/notes/test/helpers/client.ts';
import { startVps, type Vps } from '../bed/vps.ts';
import { sql as dockerSql, type SqlTarget } from '../support/mariadb-sql.ts';
import { startNodeMirror, type NodeMirror } from '../support/node-mirror.ts';
import { preparePlainProject, until, type PlainProject } from '../support/plain-project.ts';
import { runCli, type CliResult } from '../support/run-cli.ts';

const project = `sysd${Math.random().toString(36).slice(2, 7)}`;
const password = 'systemd pass phrase';
let vps: Vps;
let dir: string;
let env: Record<string, string>;
let scratch: PlainProject;
/** The stand-in for nodejs.org that the host's node.mirror points at. */
let mirror: NodeMirror;
/** The release notes ran first (`releases/ID`). */
let firstNotesRelease: string;

function cli(args: string[], input?: string): Promise<CliResult> {
  return runCli(args, { cwd: dir, env, input, timeoutMs: 600_000 });
}

function url(path = ''): string {
  return `http://127.0.0.1:${vps.ports[3000]}${path}`;
}

async function sh(command: string): Promise<string> {
  const result = await vps.run(command);
  return result.stdout;
}

/** MainPID and restart count of a service's unit. */
async function unitState(service: string): Promise<{ pid: string; active: string }> {
  const out = await sh(
    `systemctl show -p MainPID -p ActiveState notesctl-${project}-${service}.service`,
  );
  const map = new Map(out.split('\n').map((l) => [l.split('=')[0], l.split('=')[1] ?? '']));
  return { pid: map.get('MainPID') ?? '', active: map.get('ActiveState') ?? '' };
}

async function healthy(): Promise<boolean> {
  return (await fetch(url('/health'))).status === 200;
}

/** SQL as root on the VPS's MariaDB (docker exec, for assertions): tab-separated rows. */
async function vpsSql(statement: string): Promise<string> {
  const result = await vps.run(`mariadb --batch --skip-column-names <<'SQL'\n${statement}\nSQL`);
  if (result.exitCode !== 0) throw new Error(`SQL on the VPS failed: ${statement.slice(0, 80)}`);
  return result.stdout;
}

/** Every row of every base table of `database` (by `run`), all columns in order: table → rows. */
async function rowsOf(
  run: (sql: string) => Promise<string>,
  database: string,
): Promise<Record<string, string>> {
  const tables = await run(
    `SELECT TABLE_NAME, COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${database}' GROUP BY 1 ORDER BY 1`,
  );
  const rows: Record<string, string> = {};
  for (const line of tables.split('\n').filter(Boolean)) {
    const [table = '', columns = '1'] = line.split('\t');
    const order = Array.from({ length: Number(columns) }, (_, i) => i + 1).join(', ');
    const text = await run(`SELECT * FROM \`${database}\`.\`${table}\` ORDER BY ${order}`);
    // A big table as its digest: a failure's diff stays readable.
    rows[table] =
      text.length > 4096 ? `sha256 ${createHash('sha256').update(text).digest('hex')}` : text;
  }
  return rows;
}

/** The database backups in the project's folder (newest last within each service). */
async function backupFiles(): Promise<string[]> {
  return (await readdir(join(dir, 'backups'))).filter((f) => f.endsWith('.sql.gz')).sort();
}

describe('the Notes stack on a plain server run by systemd', () => {
  beforeAll(async () => {
    vps = await startVps(`notesctl-vps-${project}`, [3000]);
    // Node comes from the default source, nodejs.org: here a loopback stand-in of its release
    // folder (this machine cannot reach nodejs.org) serving an official-layout tarball of the Node
    // that runs this test. The PM2 test deploys with source: npm.
    mirror = await startNodeMirror({
      version: process.versions.node,
      binary: process.execPath,
      compressions: ['xz'],
    });
    scratch = await preparePlainProject(
      project,
      vps,
      'systemd',
      `{ source: nodejs.org, mirror: "${mirror.url}" }`,
    );
    ({ dir, env } = scratch);
  }, 120_000);

  afterAll(async () => {
    await (vps as Vps | undefined)?.stop();
    await (mirror as NodeMirror | undefined)?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('deploys the whole stack: Node installed and verified, units enabled and healthy', async () => {
    const up = await cli(['up']);
    expect(up.code, up.stderr).toBe(0);
    for (const service of ['notes', 'userauth']) {
      expect((await unitState(service)).active).toBe('active');
      expect(await sh(`systemctl is-enabled notesctl-${project}-${service}.service`)).toBe(
        'enabled',
      );
    }
    // From the mirror, checked against its SHASUMS256.txt here and again on the server.
    const version = process.versions.node;
    expect(await sh('ls /opt/notesctl/node')).toBe(version);
    expect(await sh(`/opt/notesctl/node/${version}/bin/node --version`)).toBe(`v${version}`);
    expect(new Set(mirror.requests)).toEqual(
      new Set([
        '/dist/index.json',
        `/dist/v${version}/SHASUMS256.txt`,
        `/dist/v${version}/node-v${version}-linux-x64.tar.xz`,
      ]),
    );
    firstNotesRelease = await sh(`readlink /opt/notesctl/${project}/notes/current`);
    // A first deploy sends each release whole, with its manifest.
    expect(up.stderr).toMatch(/✓ ship release \w+ of notes: the whole release, [\d,]+ files/);
    expect(firstNotesRelease).toMatch(/^releases\/[0-9a-f]{12}$/);
    expect(await sh('systemctl is-enabled mariadb')).toBe('enabled');
    // MariaDB answers on loopback only.
    expect(await sh("ss -Hltn 'sport = :3306' | awk '{print $4}'")).toBe('127.0.0.1:3306');
    expect(await healthy()).toBe(true);
  });

  it('refuses a tampered Node tarball before the server changes, then installs the real one', async () => {
    const version = process.versions.node;
    const tarball = `node-v${version}-linux-x64.tar.xz`;
    // The server lacks the version again, and this machine's cache is empty.
    await sh(`rm -rf /opt/notesctl/node/${version}`);
    await rm(join(env.NOTESCTL_HOME ?? '', 'node'), { recursive: true, force: true });
    mirror.tamper(tarball);
    const refused = await cli(['up']).finally(() => mirror.tamper(tarball, false));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      new RegExp(
        `${tarball.replaceAll('.', '\\.')}: sha256 [0-9a-f]{16}… does not match [0-9a-f]{16}… in its SHASUMS256\\.txt — refused, nothing was sent to the server`,
      ),
    );
    expect(await sh('ls -A /opt/notesctl/node')).toBe('');
    expect(await healthy()).toBe(true);
    const up = await cli(['up']);
    expect(up.code, up.stderr).toBe(0);
    expect(await sh(`/opt/notesctl/node/${version}/bin/node --version`)).toBe(`v${version}`);
  });

  it('adds a user with users add, who logs in over HTTP and writes a note', async () => {
    const added = await cli(['users', 'add', '--username', 'sam', '--password-stdin'], password);
    expect(added.code, added.stderr).toBe(0);
    const client = new Client(url());
    expect((await client.login('sam', password)).status).toBe(302);
    await client.get('/notes/add');
    const saved = await client.post('/notes/save', {
      docreate: 'create',
      notekey: 'plain',
      title: 'On a plain server',
      body: 'run by systemd',
    });
    expect(saved.status).toBe(302);
    expect((await client.get('/notes/view?key=plain')).text).toContain('On a plain server');
  });

  it('backs up both databases over SSH and restores every row after the data is destroyed', async () => {
    const client = new Client(url());
    expect((await client.login('sam', password)).status).toBe(302);
    for (const key of ['b1', 'b2']) {
      await client.get('/notes/add');
      const body = { docreate: 'create', notekey: key, title: `Note ${key}`, body: key };
      expect((await client.post('/notes/save', body)).status).toBe(302);
      await client.get(`/notes/view?key=${key}`);
      const comment = { notekey: key, message: `on ${key}` };
      expect((await client.post('/notes/make-comment', comment)).status).toBe(302);
    }
    // ~38 MB more, so that the dump runs long enough to be seen in ps.
    const pad = Array.from({ length: 600 }, (_, i) => `(${i}, REPEAT(SHA2('${i}', 256), 1000))`);
    await vpsSql(
      `CREATE TABLE notes.filler (id INT PRIMARY KEY, pad MEDIUMTEXT); INSERT INTO notes.filler VALUES ${pad.join(',')};`,
    );
    const before = { notes: await rowsOf(vpsSql, 'notes'), auth: await rowsOf(vpsSql, 'userauth') };
    expect(before.notes.comments?.split('\n')).toHaveLength(2);
    expect(before.auth.users).toContain('sam');

    // Every process's command line and environment, sampled on the server during the backup.
    await sh(
      "rm -f /tmp/ps.log /tmp/ps.stop; setsid bash -c 'while [ ! -e /tmp/ps.stop ]; do ps axwwe >> /tmp/ps.log; done; touch /tmp/ps.done' </dev/null >/dev/null 2>&1 &",
    );
    const backup = await cli(['backup']);
    await sh('touch /tmp/ps.stop');
    await until(
      'the ps sampler ends',
      async () => (await vps.run('test -e /tmp/ps.done')).exitCode === 0,
      10_000,
    );
    expect(backup.code, backup.stderr).toBe(0);
    const files = await backupFiles();
    expect(files.map((f) => f.replace(/-\d{8}T\d{6}Z/, ''))).toEqual([
      `${project}-db-notes.sql.gz`,
      `${project}-db-userauth.sql.gz`,
    ]);
    const manifest = JSON.parse(
      await readFile(join(dir, 'backups', `${files[0] ?? ''}.json`), 'utf8'),
    ) as { database: string; image: string; host: string; tool: string };
    expect(manifest).toMatchObject({ database: 'notes', host: 'vps' });
    expect(manifest.image).toMatch(/^mariadb 10\.11\.\d+-MariaDB.* \(the host's server\)$/);
    expect(manifest.tool).toMatch(/^MariaDB dump/);
    const ps = await sh('cat /tmp/ps.log');
    expect(ps).toContain('mariadb-dump --protocol=socket -u root --single-transaction');
    for (const value of await scratch.secretValues()) {
      expect(ps).not.toContain(value);
      expect(backup.stdout + backup.stderr).not.toContain(value);
    }

    await vpsSql(
      'DELETE FROM notes.comments; DELETE FROM notes.notes; DROP TABLE notes.filler; ALTER TABLE notes.events ADD COLUMN junk INT; DELETE FROM userauth.users;',
    );
    const destroyed = await rowsOf(vpsSql, 'notes');
    expect(destroyed.notes).toBe('');

    // A truncated copy (with the original's manifest) is refused before anything is touched.
    const cut = join(dir, 'cut.sql.gz');
    await copyFile(join(dir, 'backups', files[0] ?? ''), cut);
    await copyFile(join(dir, 'backups', `${files[0] ?? ''}.json`), `${cut}.json`);
    await truncate(cut, Math.floor((await stat(cut)).size / 2));
    const refused = await cli(['restore', 'db-notes', cut, '--yes']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('nothing was changed');
    expect(await rowsOf(vpsSql, 'notes')).toEqual(destroyed);

    for (const [service, file] of [
      ['db-notes', files[0]],
      ['db-userauth', files[1]],
    ] as const) {
      const restore = await cli(['restore', service, join('backups', file ?? ''), '--yes']);
      expect(restore.code, restore.stderr).toBe(0);
      expect(restore.stdout).toMatch(/restored .* \d+ table\(s\), \d+ row\(s\)/);
    }
    expect(await rowsOf(vpsSql, 'notes')).toEqual(before.notes);
    expect(await rowsOf(vpsSql, 'userauth')).toEqual(before.auth);
    expect(await sh(`ls /etc/notesctl/${project}/deploy.lock 2>&1 || true`)).toMatch(
      /No such file/,
    );
    // The app works on the restored data.
    const again = new Client(url());
    expect((await again.login('sam', password)).status).toBe(302);
    expect((await again.get('/notes/view?key=b2')).text).toContain('on b2');
  });

  it('restores its backup into a Docker host, and a backup of that host back onto the server', async () => {
    const files = await backupFiles();
    await writeFile(
      join(dir, 'docker.yaml'),
      [
        `project: ${project}dk`,
        'volumes: { db-notes-data: {} }',
        'secrets: { pw: { generate: true }, root: { generate: true } }',
        'services:',
        '  db-notes:',
        '    image: mariadb:10.11',
        '    env: { MARIADB_DATABASE: notes, MARIADB_USER: notes }',
        '    secrets: { MARIADB_PASSWORD: pw, MARIADB_ROOT_PASSWORD: root }',
        "    volumes: ['db-notes-data:/var/lib/mysql']",
        "    healthcheck: { test: ['CMD', 'healthcheck.sh', '--connect', '--innodb_initialized'], interval: 1s, retries: 60 }",
        '',
      ].join('\n'),
    );
    const dk = (args: string[]) => cli(['-f', join(dir, 'docker.yaml'), ...args]);
    try {
      const up = await dk(['up']);
      expect(up.code, up.stderr).toBe(0);
      const fromPlain = await dk(['restore', 'db-notes', join('backups', files[0] ?? ''), '--yes']);
      expect(fromPlain.code, fromPlain.stderr).toBe(0);
      const inspect = await execa('docker', [
        'ps',
        '-q',
        '--filter',
        `label=io.notesctl.project=${project}dk`,
      ]);
      const container: SqlTarget = {
        socket: '/run/docker.sock',
        container: inspect.stdout.trim(),
        passwordFile: '/run/secrets/root',
      };
      const onDocker = (statement: string) => dockerSql(container, statement);
      expect(await rowsOf(onDocker, 'notes')).toEqual(await rowsOf(vpsSql, 'notes'));

      await onDocker("INSERT INTO notes.session_revocations VALUES ('from-docker', NOW())");
      const backup = await dk(['backup', '-o', 'docker-backups']);
      expect(backup.code, backup.stderr).toBe(0);
      const [dumped = ''] = (await readdir(join(dir, 'docker-backups'))).filter((f) =>
        f.endsWith('.sql.gz'),
      );
      const toPlain = await cli(['restore', 'db-notes', join('docker-backups', dumped), '--yes']);
      expect(toPlain.code, toPlain.stderr).toBe(0);
      expect(await rowsOf(vpsSql, 'notes')).toEqual(await rowsOf(onDocker, 'notes'));
      expect(await vpsSql('SELECT * FROM notes.session_revocations')).toContain('from-docker');
      await vpsSql('DROP TABLE notes.filler');
    } finally {
      await dk(['down', '--volumes', '--yes']);
    }
  });

  it('changes nothing on an unchanged up', async () => {
    const before = await Promise.all(['notes', 'userauth'].map(unitState));
    const releases = await sh(`ls /opt/notesctl/${project}/*/releases`);
    const up = await cli(['up']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout + up.stderr).toContain('up to date');
    expect(await Promise.all(['notes', 'userauth'].map(unitState))).toEqual(before);
    expect(await sh(`ls /opt/notesctl/${project}/*/releases`)).toBe(releases);
  });

  it('lists systemd state in ps and reads the journal in logs', async () => {
    const ps = await cli(['--json', 'ps']);
    expect(ps.code, ps.stderr).toBe(0);
    const rows = JSON.parse(ps.stdout) as { service: string; state: string; container: string }[];
    expect(rows.find((r) => r.service === 'notes')).toMatchObject({
      state: 'active (running)',
      container: `notesctl-${project}-notes.service`,
    });
    expect(rows.find((r) => r.service === 'db-notes')?.container).toBe('mariadb.service');
    const logs = await cli(['logs', '--tail', '20', 'userauth']);
    expect(logs.code, logs.stderr).toBe(0);
    // The account created above went through userauth's API: its request is in the journal.
    expect(logs.stdout).toMatch(/"path":"\/create-user","status":201/);
  });

  it('keeps every secret value out of units, env files, systemctl show, the journal and ps', async () => {
    const values = await scratch.secretValues();
    expect(values.length).toBeGreaterThanOrEqual(6);
    const units = `/etc/systemd/system/notesctl-${project}-*.service`;
    const seen = [
      await sh(`cat ${units} /etc/notesctl/${project}/*.env`),
      await sh(`systemctl show 'notesctl-${project}-*'`),
      await sh('journalctl -b --no-pager -o cat'),
      await sh('ps auxwwe'),
    ].join('\n');
    expect(seen).toContain('DATABASE_PASSWORD_FILE=%d/'); // the files' paths are there
    for (const value of values) expect(seen).not.toContain(value);
    // The credentials on disk are root's alone.
    expect(await sh(`stat -c '%a %U' /etc/notesctl/${project}/credentials/notes/*`)).toMatch(
      /^(600 root\n?)+$/,
    );
  });

  it('ships one release of the one changed service and restarts only it', async () => {
    const userauth = await unitState('userauth');
    const notes = await unitState('notes');
    await appendFile(join(dir, 'apps', 'notes', 'src', 'server.ts'), '// a one-line change\n');
    const up = await cli(['up']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr.match(/✓ ship release \w+ of (\w+)/g)).toEqual([
      expect.stringContaining('of notes'),
    ]);
    expect(await unitState('userauth')).toEqual(userauth);
    expect((await unitState('notes')).pid).not.toBe(notes.pid);
    expect((await sh(`ls /opt/notesctl/${project}/notes/releases`)).split('\n')).toHaveLength(2);
    // Only the files the change touched travelled; the rest came from the release before.
    const said =
      /✓ ship release (\w+) of notes: (\d+) files, .* \(of ([\d,]+) files, .*; the rest linked from release (\w+)\)/.exec(
        up.stderr,
      );
    expect(said, up.stderr).not.toBeNull();
    const [, release = '', sent = '', all = '', base = ''] = said ?? [];
    const total = Number(all.replaceAll(',', ''));
    expect(Number(sent)).toBeGreaterThan(0);
    expect(Number(sent)).toBeLessThanOrEqual(10);
    expect(total).toBeGreaterThan(1000);
    expect(`releases/${base}`).toBe(firstNotesRelease);
    // Every file of the new release is there and matches its manifest's sha256 (checked again
    // here), nothing more; all but the sent ones are hard links to the earlier release's files.
    const folder = `/opt/notesctl/${project}/notes/releases/${release}`;
    const check = `awk -F'\\t' 'NR>1 && $1=="f" {print $4 "  " $5}' .notesctl-files | sha256sum --check --strict --quiet`;
    expect((await vps.run(`cd ${folder} && ${check}`)).exitCode).toBe(0);
    expect(await sh(`find ${folder} -type f ! -name .notesctl-files | wc -l`)).toBe(String(total));
    expect(Number(await sh(`find ${folder} -type f -links +1 | wc -l`))).toBeGreaterThanOrEqual(
      total - Number(sent),
    );
    const client = new Client(url());
    await client.login('sam', password);
    expect((await client.get('/notes/view?key=plain')).text).toContain('On a plain server');
  });

  it('rolls notes back to its release before, restarting only notes, and records it', async () => {
    const userauth = await unitState('userauth');
    const rollback = await cli(['rollback', 'notes']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(await sh(`readlink /opt/notesctl/${project}/notes/current`)).toBe(firstNotesRelease);
    expect(await unitState('userauth')).toEqual(userauth);
    expect(await healthy()).toBe(true);
    const history = JSON.parse(await sh(`cat /etc/notesctl/${project}/releases.json`)) as {
      releases: { id: number; rollbackOf?: number; changed: string[] }[];
    };
    expect(history.releases.at(-1)).toMatchObject({
      changed: ['notes'],
      rollbackOf: expect.any(Number) as number,
    });
  });

  it('brings notes back within 10 s after kill -9', async () => {
    const { pid } = await unitState('notes');
    await sh(`kill -9 ${pid}`);
    const ms = await until(
      'notes back',
      async () => {
        const now = await unitState('notes');
        return now.active === 'active' && now.pid !== pid && now.pid !== '0' && (await healthy());
      },
      10_000,
    );
    expect(ms).toBeLessThan(10_000);
  });

  it('starts everything at boot: a rebooted VPS serves the note again', async () => {
    await vps.reboot();
    await until('notes after reboot', healthy, 60_000);
    const client = new Client(url());
    expect((await client.login('sam', password)).status).toBe(302);
    expect((await client.get('/notes/view?key=plain')).text).toContain('On a plain server');
  });

  it('down stops and disables the units and keeps the data; up brings the note back', async () => {
    const down = await cli(['down', '--yes']);
    expect(down.code, down.stderr).toBe(0);
    expect(await sh(`ls /etc/systemd/system | grep -c notesctl-${project} || true`)).toBe('0');
    expect(await healthy().catch(() => false)).toBe(false);
    const up = await cli(['up']);
    expect(up.code, up.stderr).toBe(0);
    const client = new Client(url());
    expect((await client.login('sam', password)).status).toBe(302);
    expect((await client.get('/notes/view?key=plain')).text).toContain('On a plain server');
  });
});
