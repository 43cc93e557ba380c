/**
 * The image: built on the local engine from apps/userauth alone (the docker CLI sends that
 * folder, honouring its .dockerignore), run against the mariadb:10.11 image on its own network
 * with its secrets as files in /run/secrets (copied in before start, as the orchestrator does),
 * and healthy by Docker's own healthcheck (/app/healthcheck.sh, also run by hand: refused, 503
 * and silent ports fail it). Everything it creates carries this run's unique name and is removed
 * afterwards, including the untagged images of the build stages.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectHealthScriptWorks } from '../../../../test/support/health-script.ts';

const APP_DIR = resolve(import.meta.dirname, '../..');
const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
const image = `notesctl-test/userauth:${id}`;
const network = `notesctl-test-userauth-${id}`;
const dbName = `notesctl-test-userauth-db-${id}`;
const appName = `notesctl-test-userauth-app-${id}`;
const buildImageIds = new Set<string>();
let dir: string;

const docker = async (args: string[], input?: string) => {
  const r = await execa('docker', args, {
    reject: false,
    ...(input !== undefined ? { input } : {}),
  });
  return { code: r.exitCode ?? -1, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
};
const mustDocker = async (args: string[], input?: string) => {
  const r = await docker(args, input);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
};
const inspect = (name: string, format: string) => mustDocker(['inspect', '-f', format, name]);

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'userauth-image-'));
  const base = await docker(['image', 'inspect', 'node:24-bookworm-slim']);
  if (base.code !== 0)
    throw new Error(
      'base image node:24-bookworm-slim missing: run `node scripts/testbed.ts images`',
    );
  const build = await execa('docker', ['build', '--rm', '-t', image, APP_DIR], {
    reject: false,
    all: true,
  });
  // The legacy builder prints " ---> <id>" per step; the stage images it leaves untagged are ours.
  for (const m of build.all.matchAll(/ ---> ([0-9a-f]{12})\b/g)) if (m[1]) buildImageIds.add(m[1]);
  if (build.exitCode !== 0) throw new Error(`docker build failed:\n${build.all.slice(-4000)}`);
}, 600_000);

afterAll(async () => {
  await docker(['rm', '-f', '-v', appName, dbName]);
  await docker(['network', 'rm', network]);
  await docker(['rmi', image]);
  // Only untagged ids (never the base image the FROM lines print), and without -f: an id that
  // another build or container still uses stays.
  const untagged: string[] = [];
  for (const imageId of buildImageIds) {
    const tags = await docker(['image', 'inspect', '-f', '{{len .RepoTags}}', imageId]);
    if (tags.code === 0 && tags.stdout === '0') untagged.push(imageId);
  }
  if (untagged.length > 0) await docker(['rmi', ...untagged]);
  await rm(dir, { recursive: true, force: true });
});

describe('userauth image', () => {
  it('ships the bundles and their compile cache only, runs as node, and declares its healthcheck', async () => {
    expect(await inspect(image, '{{.Config.User}}')).toBe('node');
    expect(JSON.parse(await inspect(image, '{{json .Config.Healthcheck.Test}}'))).toEqual([
      'CMD',
      '/app/healthcheck.sh',
    ]);
    expect(JSON.parse(await inspect(image, '{{json .Config.Cmd}}'))).toEqual([
      'node',
      'dist/server.js',
    ]);
    expect(await inspect(image, '{{json .Config.Env}}')).toContain('NODE_ENV=production');
    const listing = await mustDocker([
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      image,
      '-c',
      'ls; ls dist; test -e node_modules && echo HAS_NODE_MODULES; find compile-cache -type f -user node -o -type f -perm /022 | sed s/^/WRITABLE:/; which curl || true',
    ]);
    expect(listing).toMatch(/^dist$/m);
    expect(listing).toMatch(/^server\.js$/m);
    expect(listing).toMatch(/^healthcheck\.sh$/m);
    expect(listing).not.toMatch(/^healthcheck\.js$/m);
    expect(listing).toMatch(/^cli\.js$/m);
    expect(listing).toMatch(/^compile-cache$/m);
    expect(listing).not.toMatch(/^(src|test|bench)$/m);
    expect(listing).not.toContain('HAS_NODE_MODULES');
    expect(listing).not.toContain('WRITABLE:');
    expect(listing).not.toMatch(/curl/);
  });

  it('starts from the compile cache the image carries (the app user can read it, not change it)', async () => {
    const run = await docker([
      'run',
      '--rm',
      '--network',
      'none',
      '-e',
      'NODE_DEBUG_NATIVE=COMPILE_CACHE',
      image,
      'node',
      '--input-type=module',
      '--eval',
      "await import('/app/dist/boot.js')",
    ]);
    expect(run.code).toBe(0);
    const report = `${run.stdout}\n${run.stderr}`;
    // Every chunk the server loads, the 4 MB one of its dependencies included.
    const accepted =
      report.match(/V8 code cache for ESM file:\/\/\/app\/dist\/\S+ was accepted/g) ?? [];
    expect(accepted.length).toBeGreaterThanOrEqual(3);
    expect(report).not.toMatch(/was rejected|Cannot create|failed/i);
  });

  it('refuses to start without an API key', async () => {
    const r = await docker(['run', '--rm', image]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('USERAUTH_API_KEY or USERAUTH_API_KEY_FILE must be set');
  });

  it('becomes healthy against MariaDB with secrets as files, serves the CLI, and stops with 0', async () => {
    const dbPassword = randomBytes(12).toString('hex');
    const apiKey = randomBytes(18).toString('base64url');
    const secrets = join(dir, 'secrets');
    await mkdir(secrets);
    await writeFile(join(secrets, 'db_userauth_password'), `${dbPassword}\n`);
    await writeFile(join(secrets, 'userauth_api_key'), `${apiKey}\n`);
    // Readable by the container's `node` user after `docker cp` (which writes them as root).
    await chmod(join(secrets, 'db_userauth_password'), 0o444);
    await chmod(join(secrets, 'userauth_api_key'), 0o444);

    await mustDocker(['network', 'create', network]);
    await mustDocker([
      'run',
      '-d',
      '--name',
      dbName,
      '--network',
      network,
      '--network-alias',
      'db-userauth',
      '-e',
      `MARIADB_ROOT_PASSWORD=${randomBytes(12).toString('hex')}`,
      '-e',
      'MARIADB_DATABASE=userauth',
      '-e',
      'MARIADB_USER=userauth',
      '-e',
      `MARIADB_PASSWORD=${dbPassword}`,
      'mariadb:10.11',
    ]);
    // Created first, secrets copied in, then started: the database may still be initialising,
    // which the service must ride out with its connection retries.
    await mustDocker([
      'create',
      '--name',
      appName,
      '--network',
      network,
      '--health-interval',
      '1s',
      '--health-start-period',
      '60s',
      '-e',
      'DATABASE_URL=mysql://userauth@db-userauth:3306/userauth',
      '-e',
      'DATABASE_PASSWORD_FILE=/run/secrets/db_userauth_password',
      '-e',
      'USERAUTH_API_KEY_FILE=/run/secrets/userauth_api_key',
      image,
    ]);
    await mustDocker(['cp', secrets, `${appName}:/run/`]);
    await mustDocker(['start', appName]);

    const health = () => inspect(appName, '{{.State.Health.Status}}');
    await waitFor(
      'the container to be healthy',
      async () => {
        const status = await health();
        if (status === 'unhealthy' || (await inspect(appName, '{{.State.Running}}')) !== 'true') {
          throw new Error(
            `container ${status}: ${(await docker(['logs', appName])).stdout.slice(-3000)}`,
          );
        }
        return status === 'healthy';
      },
      150_000,
    );

    const add = await docker(
      [
        'exec',
        '-i',
        appName,
        'node',
        'dist/cli.js',
        'add',
        '--username',
        'imaged',
        '--password-stdin',
        '--json',
      ],
      'pw-in-image\n',
    );
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ id: 'imaged', username: 'imaged' });
    const check = await docker(
      ['exec', '-i', appName, 'node', 'dist/cli.js', 'password-check', 'imaged'],
      'pw-in-image',
    );
    expect(check.code).toBe(0);
    const wrong = await docker(
      ['exec', '-i', appName, 'node', 'dist/cli.js', 'password-check', 'imaged'],
      'nope',
    );
    expect(wrong.code).toBe(1);

    // Docker's own runs of the image's HEALTHCHECK passed, then the script by hand, failures too.
    const healthLog = JSON.parse(await inspect(appName, '{{json .State.Health.Log}}')) as {
      ExitCode: number;
      Output: string;
    }[];
    expect(healthLog.at(-1)).toMatchObject({ ExitCode: 0, Output: '' });
    await expectHealthScriptWorks(appName);

    const logs = await docker(['logs', appName]);
    expect(logs.stdout).toContain('"msg":"ready"');
    for (const secret of [dbPassword, apiKey, 'pw-in-image'])
      expect(logs.stdout + logs.stderr).not.toContain(secret);

    await mustDocker(['stop', '-t', '10', appName]);
    expect(await inspect(appName, '{{.State.ExitCode}}')).toBe('0');
    expect((await docker(['logs', appName])).stdout).toContain('"msg":"stopped"');
  });
});
