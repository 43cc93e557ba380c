/**
 * The image builds from apps/notes alone and passes its HEALTHCHECK (/app/healthcheck.sh, also
 * run by hand: refused, 503 and silent ports fail it) on the local engine. Its /health needs a
 * database and userauth, so the test runs, on its own user network:
 * `mariadb:10.11` (databases for notes and userauth), the real userauth service (its sources and
 * installed dependencies from apps/userauth, run read-only in `node:24-bookworm-slim`: this test
 * is about the notes image, and building a second image would double its time and race with
 * userauth's own image test over shared cached layers), and the notes image with its secrets as
 * files under /run/secrets, as the orchestrator will.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../../../../test/bed/docker-cli.ts';
import { expectHealthScriptWorks } from '../../../../test/support/health-script.ts';

const NOTES_DIR = fileURLToPath(new URL('../../', import.meta.url));
const USERAUTH_DIR = fileURLToPath(new URL('../../../userauth/', import.meta.url));

describe('the notes image', () => {
  const id = randomBytes(4).toString('hex');
  const name = (what: string): string => `notes-image-test-${id}-${what}`;
  const notesImage = `${name('notes')}:test`;
  const network = name('net');
  const containers: string[] = [];
  const images: string[] = [];
  const stageImages: string[] = [];
  let secrets: string;
  let initdb: string;

  const run = async (container: string, args: string[]): Promise<void> => {
    containers.push(container);
    await docker([
      'run',
      '-d',
      '--name',
      container,
      '--network',
      network,
      '--label',
      `notes-image-test=${id}`,
      ...args,
    ]);
  };

  const health = async (container: string): Promise<string> =>
    (
      await docker([
        'inspect',
        '-f',
        '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.Status}}',
        container,
      ])
    ).stdout;

  beforeAll(async () => {
    secrets = await mkdtemp(join(tmpdir(), 'notes-image-secrets-'));
    initdb = await mkdtemp(join(tmpdir(), 'notes-image-initdb-'));
    const notesDbPassword = randomBytes(12).toString('hex');
    const userauthDbPassword = randomBytes(12).toString('hex');
    const apiKey = randomBytes(18).toString('base64url');
    await writeFile(join(secrets, 'db_notes_password'), `${notesDbPassword}\n`);
    await writeFile(join(secrets, 'userauth_api_key'), `${apiKey}\n`);
    await writeFile(join(secrets, 'session_secret'), `${randomBytes(32).toString('hex')}\n`);
    await writeFile(
      join(initdb, '10-userauth.sql'),
      `CREATE DATABASE userauth; CREATE USER 'userauth'@'%' IDENTIFIED BY '${userauthDbPassword}';` +
        ` GRANT ALL ON userauth.* TO 'userauth'@'%';\n`,
    );
    // The containers' users (node, mysql) must read these bind mounts.
    for (const dir of [secrets, initdb]) await chmod(dir, 0o755);

    images.push(notesImage);
    const existing = new Set(
      (await docker(['image', 'ls', '-aq', '--no-trunc'])).stdout.split('\n'),
    );
    const [build] = await Promise.all([
      docker(['build', '--rm', '-t', notesImage, NOTES_DIR], { timeoutMs: 900_000 }),
      docker(['network', 'create', '--label', `notes-image-test=${id}`, network]),
    ]);
    // The legacy builder prints ` ---> <id>` per step; those that did not exist before (not cache
    // hits of other builds, not the base image) are ours to remove.
    for (const m of build.all.matchAll(/ ---> ([0-9a-f]{12})\b/g)) {
      const short = m[1] ?? '';
      if (![...existing].some((full) => full.startsWith(`sha256:${short}`)))
        stageImages.push(short);
    }

    await run(name('db'), [
      '--network-alias',
      'db',
      '-e',
      `MARIADB_ROOT_PASSWORD=${randomBytes(12).toString('hex')}`,
      '-e',
      'MARIADB_DATABASE=notes',
      '-e',
      'MARIADB_USER=notes',
      '-e',
      `MARIADB_PASSWORD=${notesDbPassword}`,
      '-v',
      `${initdb}:/docker-entrypoint-initdb.d:ro`,
      'mariadb:10.11',
    ]);
    const userauthEnv = [
      '-e',
      'NODE_ENV=production',
      '-e',
      'PORT=3333',
      '-e',
      'HOST=0.0.0.0',
      '-e',
      `DATABASE_URL=mysql://userauth:${userauthDbPassword}@db:3306/userauth`,
      '-e',
      `USERAUTH_API_KEY=${apiKey}`,
    ];
    await run(name('userauth'), [
      '--network-alias',
      'userauth',
      ...userauthEnv,
      '-v',
      `${USERAUTH_DIR}:/app:ro`,
      '-w',
      '/app',
      'node:24-bookworm-slim',
      'node',
      'src/server.ts',
    ]);
    await run(name('notes'), [
      '--health-interval',
      '1s',
      '--health-start-period',
      '120s',
      '-v',
      `${secrets}:/run/secrets:ro`,
      '-e',
      'DATABASE_URL=mysql://notes@db:3306/notes',
      '-e',
      'DATABASE_PASSWORD_FILE=/run/secrets/db_notes_password',
      '-e',
      'USER_SERVICE_URL=http://userauth:3333',
      '-e',
      'USERAUTH_API_KEY_FILE=/run/secrets/userauth_api_key',
      '-e',
      'SESSION_SECRET_FILE=/run/secrets/session_secret',
      '-e',
      'PUBLIC_URL=http://localhost:3000',
      notesImage,
    ]);
  });

  afterAll(async () => {
    if (containers.length > 0) await docker(['rm', '-f', '-v', ...containers], { reject: false });
    await docker(['network', 'rm', network], { reject: false });
    if (images.length > 0) await docker(['image', 'rm', '-f', ...images], { reject: false });
    // Only untagged ids: the first ` ---> id` of each stage is the base image (node:24-…), which
    // `docker image rm <id>` would delete. Without -f, a layer another build still uses stays.
    for (const stage of stageImages.reverse()) {
      const tags = await docker(['image', 'inspect', '-f', '{{len .RepoTags}}', stage], {
        reject: false,
      });
      if (tags.exitCode === 0 && tags.stdout === '0')
        await docker(['image', 'rm', stage], { reject: false });
    }
    await Promise.all(
      [secrets, initdb].filter(Boolean).map((dir) => rm(dir, { recursive: true, force: true })),
    );
  });

  it('runs as the non-root node user with only runtime files', async () => {
    const user = await docker(['image', 'inspect', '-f', '{{.Config.User}}', notesImage]);
    expect(user.stdout).toBe('node');
    const check = await docker([
      'image',
      'inspect',
      '-f',
      '{{json .Config.Healthcheck.Test}}',
      notesImage,
    ]);
    expect(JSON.parse(check.stdout)).toEqual(['CMD', '/app/healthcheck.sh']);
    const files = await docker([
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      notesImage,
      '-c',
      'ls /app; ls /app/dist; test -e /app/node_modules && echo HAS_NODE_MODULES; find /app/compile-cache -type f -user node -o -type f -perm /022',
    ]);
    const listed = files.stdout.split('\n');
    expect(listed).toEqual(
      expect.arrayContaining([
        'dist',
        'views',
        'public',
        'healthcheck.sh',
        'server.js',
        'boot.js',
        'compile-cache',
      ]),
    );
    // One bundle and no node_modules; the compile cache is root's and read-only (find prints
    // any file the app user owns or anyone may write).
    for (const absent of [
      'test',
      'bench',
      'src',
      'node_modules',
      'HAS_NODE_MODULES',
      'healthcheck.js',
    ])
      expect(listed).not.toContain(absent);
    expect(listed.filter((line) => line.startsWith('/app/compile-cache'))).toEqual([]);
  });

  it('becomes healthy with MariaDB and userauth (secrets read from files)', async () => {
    const deadline = Date.now() + 180_000;
    let status: string;
    for (;;) {
      status = await health(name('notes'));
      if (status.startsWith('healthy')) break;
      if (status.includes('exited') || Date.now() > deadline) {
        const logs = await docker(['logs', '--tail', '40', name('notes')], { reject: false });
        const userauthLogs = await docker(['logs', '--tail', '20', name('userauth')], {
          reject: false,
        });
        throw new Error(`notes is ${status}:\n${logs.all}\n--- userauth:\n${userauthLogs.all}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toBe('healthy running');
    const logs = await docker(['logs', name('notes')]);
    expect(logs.all).toContain('"message":"ready"');
    // Never a secret in the logs.
    expect(logs.all).not.toMatch(/password=|:[0-9a-f]{24}@/);
  });

  it('passes its healthcheck.sh, which fails on refused, 503 and silent ports', async () => {
    await expectHealthScriptWorks(name('notes'));
  });

  it('stops on SIGTERM with exit code 0', async () => {
    await docker(['stop', '-t', '10', name('notes')]);
    const exit = await docker(['inspect', '-f', '{{.State.ExitCode}}', name('notes')]);
    expect(exit.stdout).toBe('0');
  });
});
