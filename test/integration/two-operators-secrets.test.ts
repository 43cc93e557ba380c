/**
 * Issue 23, two operators with separate secret stores deploying one project to one namespace
 * host. Operator A deploys first (its store generates the database's passwords); operator B,
 * with a state folder of its own, runs `up`: its store lacks the generated secrets, which the
 * containers on the host hold — B takes them from there instead of generating new ones (before,
 * it was refused: "the secret store … does not exist, but project … already has volumes"), says
 * so, and warns that its new store's hash key recreates the services. The database still takes
 * the password its app is given, and both stores hold the same values.
 */
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type TestHost } from '../bed/hosts.ts';
import { debianImage } from '../bed/images.ts';
import { runCli } from '../support/run-cli.ts';

const run = `tw${process.pid % 10000}`;
let host: TestHost;
let root: string;

interface Operator {
  dir: string;
  env: Record<string, string>;
}

async function operator(name: string): Promise<Operator> {
  const dir = join(root, name);
  await mkdir(dir);
  await writeFile(
    join(dir, 'notesctl.config.yaml'),
    `project: ${run}
host: h1
hosts:
  h1: { ssh: 'root@${host.address}', identity: '${host.identityFile}' }
volumes:
  db-data: {}
secrets:
  db_password: { generate: true }
  db_root_password: { generate: true }
services:
  db:
    image: mariadb:10.11
    env: { MARIADB_DATABASE: shop, MARIADB_USER: shop }
    secrets: { MARIADB_PASSWORD: db_password, MARIADB_ROOT_PASSWORD: db_root_password }
    volumes: ['db-data:/var/lib/mysql']
    healthcheck:
      test: ['CMD', 'healthcheck.sh', '--connect', '--innodb_initialized']
      interval: 2s
      start_period: 60s
  app:
    image: ${debianImage}
    command: ['sleep', 'infinity']
    secrets: { DB_PASSWORD: db_password }
    depends_on: [db]
`,
  );
  return { dir, env: { HOME: dir, NOTESCTL_HOME: join(dir, 'state'), SSH_AUTH_SOCK: '' } };
}

const cli = (o: Operator, args: string[]) =>
  runCli(['--accept-new-host-key', ...args], { cwd: o.dir, env: o.env, timeoutMs: 300_000 });
const docker = (args: string[]) =>
  execa('docker', args, { env: { DOCKER_HOST: `unix://${host.dockerSocket}` }, reject: false });

async function containerOf(service: string): Promise<string> {
  const filter = [`label=io.notesctl.project=${run}`, `label=io.notesctl.service=${service}`];
  return (await docker(['ps', '-q', ...filter.flatMap((f) => ['--filter', f])])).stdout.trim();
}

async function store(o: Operator): Promise<Record<string, string>> {
  const path = join(o.env.NOTESCTL_HOME ?? '', 'secrets', `${run}@h1.json`);
  return (JSON.parse(await readFile(path, 'utf8')) as { secrets: Record<string, string> }).secrets;
}

describe('two operators with separate secret stores', () => {
  beforeAll(async () => {
    host = await startHost(run);
    root = await mkdtemp(join(tmpdir(), `notesctl-${run}-`));
    await execa('sh', [
      '-c',
      `docker save mariadb:10.11 ${debianImage} | DOCKER_HOST=unix://${host.dockerSocket} docker load -q`,
    ]);
  }, 120_000);
  afterAll(async () => {
    await (host as TestHost | undefined)?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("takes the generated secrets from the host instead of replacing another operator's", async () => {
    const a = await operator('a');
    const b = await operator('b');
    const first = await cli(a, ['up']);
    expect(first.code, first.stderr).toBe(0);

    const second = await cli(b, ['up']);
    console.log(second.stderr);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(
      /secret store \S+ lacks db_password, db_root_password, which the containers on h1 already hold .*taken from there/,
    );
    expect(second.stderr).toMatch(
      /warning: this machine has no secret store for .* every service is recreated once/,
    );
    expect(await store(b)).toEqual(await store(a));
    // The app's password is the one the database was set up with: it logs in.
    const password = (await store(a)).db_password ?? '';
    const appHas = await docker([
      'exec',
      await containerOf('app'),
      'cat',
      '/run/secrets/db_password',
    ]);
    expect(appHas.stdout).toBe(password);
    const login = await docker([
      'exec',
      await containerOf('db'),
      'sh',
      '-c',
      'mariadb -ushop -p"$(cat /run/secrets/db_password)" -e "SELECT 42" shop',
    ]);
    expect(login.stdout, login.stderr).toContain('42');
    // B again: nothing to do; its store is now the one the containers were made with.
    const again = await cli(b, ['up']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/up to date/);
    expect(again.stderr).not.toMatch(/warning|lacks/);
    const down = await cli(b, ['down', '--volumes', '--yes']);
    expect(down.code, down.stderr).toBe(0);
  });
});
