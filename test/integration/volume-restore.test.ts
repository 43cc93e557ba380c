/**
 * Issue 23, restoring a volume backup on a namespace host over SSH: a MariaDB service and two
 * services mounting one plain volume (`files` writes to it all the time). A backup of the
 * volume is taken; the volume is then changed (a file added, one rewritten, one deleted). A
 * truncated copy of the backup is refused with nothing touched; without a terminal, `--yes` is
 * required; the restore stops both users, puts back exactly the backup's files (owners and
 * modes too), starts them again healthy, and leaves the database alone.
 */
import { execa } from 'execa';
import { copyFile, mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type TestHost } from '../bed/hosts.ts';
import { debianImage } from '../bed/images.ts';
import { runCli } from '../support/run-cli.ts';

const run = `vr${process.pid % 10000}`;
let host: TestHost;
let dir: string;
let env: Record<string, string>;

const cli = (args: string[]) => runCli(args, { cwd: dir, env, timeoutMs: 300_000 });
const docker = (args: string[]) =>
  execa('docker', args, { env: { DOCKER_HOST: `unix://${host.dockerSocket}` }, reject: false });

/** The id of `service`'s container. */
async function container(service: string): Promise<string> {
  const { stdout } = await docker([
    'ps',
    '-aq',
    '--filter',
    `label=io.notesctl.project=${run}`,
    '--filter',
    `label=io.notesctl.service=${service}`,
  ]);
  return stdout.trim();
}

/** `sh -c script` in `service`'s container; its stdout. */
async function inService(service: string, script: string): Promise<string> {
  const result = await docker(['exec', await container(service), 'sh', '-c', script]);
  if (result.exitCode !== 0) throw new Error(`${script}: ${result.stderr}`);
  return result.stdout;
}

/** A listing of the volume's files with owner, mode and checksum (the growing log left out). */
const LISTING = `cd /data && find . -path ./ticks -prune -o -print | sort | while read f; do echo "$f $(stat -c '%u:%g %a' "$f") $( [ -f "$f" ] && md5sum < "$f" | cut -c1-12)"; done`;

async function startedAt(service: string): Promise<string> {
  return (await docker(['inspect', '-f', '{{.State.StartedAt}}', await container(service)])).stdout;
}

describe('restore of a volume backup', () => {
  beforeAll(async () => {
    host = await startHost(run);
    dir = await mkdtemp(join(tmpdir(), `notesctl-${run}-`));
    env = { HOME: dir, NOTESCTL_HOME: join(dir, 'state'), SSH_AUTH_SOCK: '' };
    await execa('sh', [
      '-c',
      `docker save mariadb:10.11 ${debianImage} | DOCKER_HOST=unix://${host.dockerSocket} docker load -q`,
    ]);
    await writeFile(
      join(dir, 'notesctl.config.yaml'),
      `project: ${run}
host: h1
hosts:
  h1: { ssh: 'root@${host.address}', identity: '${host.identityFile}' }
volumes:
  db-data: {}
  uploads: {}
secrets:
  db_root_password: { generate: true }
services:
  db:
    image: mariadb:10.11
    env: { MARIADB_DATABASE: shop }
    secrets: { MARIADB_ROOT_PASSWORD: db_root_password }
    volumes: ['db-data:/var/lib/mysql']
    healthcheck:
      test: ['CMD', 'healthcheck.sh', '--connect', '--innodb_initialized']
      interval: 2s
      start_period: 60s
  files:
    image: ${debianImage}
    command: ['sh', '-c', 'touch /data/ticks; while :; do date >> /data/ticks; sleep 0.2; done']
    volumes: ['uploads:/data']
    healthcheck:
      test: ['CMD', 'test', '-f', '/data/ticks']
      interval: 1s
  reader:
    image: ${debianImage}
    command: ['sleep', 'infinity']
    volumes: ['uploads:/srv/uploads:ro']
`,
    );
    const up = await cli(['--accept-new-host-key', 'up']);
    expect(up.code, up.stderr).toBe(0);
  }, 300_000);
  afterAll(async () => {
    if (dir) await cli(['down', '--volumes', '--yes']).catch(() => undefined);
    await (host as TestHost | undefined)?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('puts back exactly the backup, refusing a truncated file first', async () => {
    await inService(
      'files',
      `mkdir -p /data/sub/deep && echo original > /data/keep.txt && chown 1000:1000 /data/keep.txt && chmod 640 /data/keep.txt
       head -c 3000000 /dev/urandom > /data/sub/blob.bin && ln -s keep.txt /data/link && echo h > /data/.hidden`,
    );
    const backup = await cli(['--json', 'backup', 'files']);
    expect(backup.code, backup.stderr).toBe(0);
    const [made] = (JSON.parse(backup.stdout) as { backups: { path: string }[] }).backups;
    const file = made?.path ?? '';
    const saved = await inService('files', LISTING);
    const ticks = await inService('files', 'wc -l < /data/ticks');

    await inService(
      'files',
      'echo changed > /data/keep.txt && rm /data/sub/blob.bin && echo new > /data/extra.txt && echo x > /data/.extra',
    );
    const changed = await inService('files', LISTING);
    expect(changed).not.toBe(saved);
    const [dbStart, filesStart] = [await startedAt('db'), await startedAt('files')];

    // A truncated copy (with the same manifest) is refused before anything is touched.
    const cut = join(dir, 'cut.tar.gz');
    await copyFile(file, cut);
    await copyFile(`${file}.json`, `${cut}.json`);
    await truncate(cut, Math.floor((await stat(cut)).size / 2));
    const refused = await cli(['restore', 'files', cut, '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cut\.tar\.gz is damaged: .*nothing was changed/);
    expect(await inService('files', LISTING)).toBe(changed);
    expect(await startedAt('files')).toBe(filesStart);
    // No terminal and no --yes: a usage error, nothing touched.
    const unasked = await cli(['restore', 'files', file]);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toMatch(/refusing without confirmation/);
    // A service that does not mount the volume is refused.
    expect((await cli(['restore', 'db', file, '--yes'])).code).toBe(2);

    const restore = await cli(['restore', 'files', file, '--yes']);
    expect(restore.code, restore.stderr).toBe(0);
    console.log(`${restore.stderr}${restore.stdout}(${restore.ms} ms)`);
    expect(restore.stdout).toMatch(
      /restored volume uploads on h1 from .*: 4 file\(s\) \(2\.9 MiB\), 3 folder\(s\), 1 link\(s\)\/other in [\d.]+ s; files, reader stopped, started again and healthy/,
    );
    // Exactly the backup: the added files gone, the rewritten and deleted ones back, owners
    // and modes kept; the log holds at least what it held then, and grows again.
    expect(await inService('files', LISTING)).toBe(saved);
    const after = Number(await inService('files', 'wc -l < /data/ticks'));
    expect(after).toBeGreaterThanOrEqual(Number(ticks));
    expect(await inService('reader', 'cat /srv/uploads/keep.txt')).toBe('original');
    expect(await startedAt('files')).not.toBe(filesStart);
    expect(await startedAt('db')).toBe(dbStart);
    const states = await docker([
      'ps',
      '--filter',
      `label=io.notesctl.project=${run}`,
      '--format',
      '{{.State}}',
    ]);
    expect(states.stdout.split('\n').sort()).toEqual(['running', 'running', 'running']);
  });
});
