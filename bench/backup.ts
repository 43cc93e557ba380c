/**
 * Backup benchmark (issue 23): backup and restore of a MariaDB database holding 100k notes,
 * notesctl (the built CLI) beside what people do by hand — `docker exec C mariadb-dump … | gzip
 * > FILE` and `gunzip -c FILE | docker exec -i C mariadb …` — measured in the same run, on the
 * same container, interleaved (notesctl first in odd rounds, by hand first in even ones).
 * MB/s is the SQL moved (uncompressed) per second of wall time.
 *
 *   npm run build && node bench/backup.ts [--notes 100000] [--runs 3] [--save]
 */
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { assertBuiltCli } from '../test/support/run-cli.ts';

const { values } = parseArgs({
  options: {
    notes: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    save: { type: 'boolean', default: false },
  },
});
const NOTES = Number(values.notes);
const RUNS = Number(values.runs);
const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'notesctl');

assertBuiltCli();
const project = `bkbench${randomBytes(3).toString('hex')}`;
const dir = await mkdtemp(join(tmpdir(), `notesctl-${project}-`));
const env = { ...process.env, NOTESCTL_HOME: join(dir, 'state'), NO_COLOR: '1' };
await writeFile(
  join(dir, 'notesctl.config.yaml'),
  `project: ${project}
volumes: { db-data: {} }
secrets:
  db_password: { generate: true }
  db_root_password: { generate: true }
services:
  db:
    image: mariadb:10.11
    env: { MARIADB_DATABASE: notes, MARIADB_USER: notes }
    secrets: { MARIADB_PASSWORD: db_password, MARIADB_ROOT_PASSWORD: db_root_password }
    volumes: ['db-data:/var/lib/mysql']
    healthcheck:
      test: ['CMD', 'healthcheck.sh', '--connect', '--innodb_initialized']
      interval: 5s
      start_period: 60s
`,
);

const notesctl = (args: string[]) => execa(process.execPath, [BIN, ...args], { cwd: dir, env });
/** In the container, as root, the password read from the secret file into MYSQL_PWD. */
const asRoot = (command: string) =>
  `MYSQL_PWD=$(cat /run/secrets/db_root_password) exec ${command}`;

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

try {
  await notesctl(['up']);
  const container = (
    await execa('docker', ['ps', '-q', '--filter', `label=io.notesctl.project=${project}`])
  ).stdout.trim();
  const sql = (statement: string) =>
    execa('docker', ['exec', '-i', container, 'sh', '-c', asRoot('mariadb -uroot notes')], {
      input: statement,
    });
  // The notes table of apps/notes (0001-initial-schema), 100k notes of ~1 KB of mixed text.
  await sql(`CREATE TABLE notes (notekey VARCHAR(255) PRIMARY KEY, title VARCHAR(200) NOT NULL,
      body MEDIUMTEXT NOT NULL, author VARCHAR(100) NOT NULL, author_name VARCHAR(200) NOT NULL,
      created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, KEY notes_title_key (title, notekey))
      ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
    INSERT INTO notes SELECT CONCAT('note-', seq), CONCAT('Note number ', seq),
      CONCAT(REPEAT(CONCAT('Meeting notes for ', seq MOD 365, ' with ', MD5(seq MOD 1000), '. '), 8),
        SHA2(seq, 512), ' ', MD5(seq)),
      CONCAT('user', seq MOD 50), CONCAT('User ', seq MOD 50), NOW(), NOW()
      FROM seq_1_to_${NOTES};`);
  const out = join(dir, 'backups');
  await mkdir(out);
  const rows: { tool: string; op: string; s: number; sqlBytes: number; fileBytes: number }[] = [];
  let sqlBytes = 0;
  for (let round = 0; round < RUNS; round++) {
    const byHand = async () => {
      const file = join(dir, `hand-${round}.sql.gz`);
      const s = await seconds(() =>
        execa('sh', [
          '-c',
          `docker exec ${container} sh -c '${asRoot('mariadb-dump -uroot --single-transaction --quick --routines --events --triggers --hex-blob --add-drop-database --databases notes')}' | gzip > ${file}`,
        ]),
      );
      rows.push({ tool: 'by hand', op: 'backup', s, sqlBytes, fileBytes: (await stat(file)).size });
      const r = await seconds(() =>
        execa('sh', [
          '-c',
          `gunzip -c ${file} | docker exec -i ${container} sh -c '${asRoot('mariadb -uroot')}'`,
        ]),
      );
      rows.push({ tool: 'by hand', op: 'restore', s: r, sqlBytes, fileBytes: 0 });
    };
    const withNotesctl = async () => {
      const before = new Set(await readdir(out));
      let result = { stdout: '' };
      const s = await seconds(async () => {
        result = await notesctl(['--json', 'backup', '--output', out]);
      });
      const [made] = (
        JSON.parse(result.stdout) as {
          backups: { path: string; bytes: number; contentBytes: number }[];
        }
      ).backups;
      if (!made || before.has(made.path)) throw new Error('no new backup');
      sqlBytes = made.contentBytes;
      rows.push({ tool: 'notesctl', op: 'backup', s, sqlBytes, fileBytes: made.bytes });
      const r = await seconds(() => notesctl(['restore', 'db', made.path, '--yes']));
      rows.push({ tool: 'notesctl', op: 'restore', s: r, sqlBytes, fileBytes: 0 });
    };
    if (round % 2 === 0) {
      await withNotesctl();
      await byHand();
    } else {
      await byHand();
      await withNotesctl();
    }
  }
  const count = (await sql('SELECT COUNT(*) FROM notes;')).stdout.split('\n').pop();
  const lines = [
    `# backup benchmark, ${new Date().toISOString().slice(0, 16)}Z`,
    '',
    `${count ?? '?'} notes, ${(sqlBytes / 1e6).toFixed(1)} MB of SQL; ${RUNS} interleaved rounds on the local engine; \`nproc\` ${(await execa('nproc')).stdout}, load ${(await execa('cat', ['/proc/loadavg'])).stdout.split(' ').slice(0, 3).join(' ')}`,
    '',
    '| tool | op | wall s (median) | min–max | MB/s of SQL | file MB |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const tool of ['notesctl', 'by hand']) {
    for (const op of ['backup', 'restore']) {
      const mine = rows.filter((r) => r.tool === tool && r.op === op);
      const s = median(mine.map((r) => r.s));
      const file = median(mine.map((r) => r.fileBytes));
      lines.push(
        `| ${tool} | ${op} | ${s.toFixed(2)} | ${Math.min(...mine.map((r) => r.s)).toFixed(2)}–${Math.max(...mine.map((r) => r.s)).toFixed(2)} | ${(sqlBytes / 1e6 / s).toFixed(1)} | ${op === 'backup' ? (file / 1e6).toFixed(1) : '-'} |`,
      );
    }
  }
  const ratio = (op: string) =>
    median(rows.filter((r) => r.tool === 'notesctl' && r.op === op).map((r) => r.s)) /
    median(rows.filter((r) => r.tool === 'by hand' && r.op === op).map((r) => r.s));
  lines.push(
    '',
    `notesctl / by hand: backup ${ratio('backup').toFixed(2)}×, restore ${ratio('restore').toFixed(2)}×`,
  );
  const report = lines.join('\n');
  console.log(report);
  if (values.save) {
    const file = join(
      ROOT,
      'bench',
      'results',
      `backup-${new Date().toISOString().slice(0, 10)}.md`,
    );
    await writeFile(file, `${report}\n`);
    console.log(`saved ${file}`);
  }
} finally {
  await notesctl(['down', '--volumes', '--yes']).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
