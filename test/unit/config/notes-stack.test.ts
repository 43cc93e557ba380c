/**
 * The repository's notesctl.config.yaml: its normalised form (golden file) and the secure layout
 * it must express. Loaded from a copy beside stub Dockerfiles, so the golden output depends on the
 * topology file alone, not on the apps' build contexts.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listContext } from '../../../src/build/context.ts';
import { dockerfileHasHealthcheck } from '../../../src/config/dockerfile.ts';
import { loadTopology } from '../../../src/config/index.ts';
import type { Topology } from '../../../src/model/topology.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
let dir: string;

/** Load the copied stack with `env` as the whole environment. */
function load(env: Record<string, string> = {}): Promise<Topology> {
  return loadTopology(join(dir, 'notesctl.config.yaml'), { env });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'notesctl-stack-'));
  cpSync(join(ROOT, 'notesctl.config.yaml'), join(dir, 'notesctl.config.yaml'));
  for (const app of ['notes', 'userauth']) {
    mkdirSync(join(dir, 'apps', app), { recursive: true });
    writeFileSync(
      join(dir, 'apps', app, 'Dockerfile'),
      'FROM node:24\nHEALTHCHECK CMD ["/app/healthcheck.sh"]\n',
    );
  }
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the Notes stack topology', () => {
  it('normalises to the golden file', async () => {
    const topology = await load();
    // undefined → null, so that absent settings (no command, no host IP) show in the golden file.
    const json = JSON.stringify(topology, (_key, value: unknown) => value ?? null, 2);
    // .txt, not .json: the exact JSON.stringify layout is the golden text, not prettier's.
    await expect(`${json.replaceAll(dir, '<dir>')}\n`).toMatchFileSnapshot(
      '../../fixtures/config/notes-stack.golden.txt',
    );
  });

  it('normalises the same way every time (keys sorted, lists ordered)', async () => {
    expect(JSON.stringify(await load())).toBe(JSON.stringify(await load()));
  });

  it('keeps the databases off the published network: only notes is served, through the proxy', async () => {
    const { services, networks } = await load();
    const members = (network: string): string[] =>
      Object.values(services)
        .filter((s) => s.networks.includes(network))
        .map((s) => s.name)
        .sort();
    expect(members('frontnet')).toEqual(['db-notes', 'notes']);
    expect(members('svcnet')).toEqual(['notes', 'userauth']);
    expect(members('authnet')).toEqual(['db-userauth', 'userauth']);
    expect(networks).toEqual({
      authnet: { name: 'authnet', internal: true, encrypted: true },
      frontnet: { name: 'frontnet', internal: false, encrypted: true },
      svcnet: { name: 'svcnet', internal: true, encrypted: true },
    });
    expect(Object.values(services).filter((s) => s.ports.length > 0)).toEqual([]);
    const web = Object.values(services).filter((s) => s.http);
    expect(web.map((s) => [s.name, s.http])).toEqual([
      [
        'notes',
        { hosts: [], port: 3000, path: '/health', tls: { kind: 'off' }, drainTimeoutMs: 30_000 },
      ],
    ]);
    const { proxy } = await load();
    expect([proxy.httpPort, proxy.httpsPort]).toEqual([3000, 3443]);
  });

  it('generates every secret and delivers them as files with *_FILE variables', async () => {
    const { secrets, services } = await load();
    expect(Object.keys(secrets)).toEqual([
      'db_notes_password',
      'db_notes_root_password',
      'db_userauth_password',
      'db_userauth_root_password',
      'session_secret',
      'userauth_api_key',
    ]);
    for (const secret of Object.values(secrets)) {
      expect(secret.source).toEqual({ kind: 'generate', length: 32 });
    }
    const mounts = (name: string): Record<string, string | undefined> =>
      Object.fromEntries(services[name]?.secrets.map((s) => [s.envVar ?? '', s.secret]) ?? []);
    expect(mounts('notes')).toEqual({
      DATABASE_PASSWORD_FILE: 'db_notes_password',
      USERAUTH_API_KEY_FILE: 'userauth_api_key',
      SESSION_SECRET_FILE: 'session_secret',
    });
    expect(mounts('userauth')).toEqual({
      DATABASE_PASSWORD_FILE: 'db_userauth_password',
      USERAUTH_API_KEY_FILE: 'userauth_api_key',
    });
    expect(mounts('db-notes')).toEqual({
      MARIADB_PASSWORD_FILE: 'db_notes_password',
      MARIADB_ROOT_PASSWORD_FILE: 'db_notes_root_password',
    });
    expect(services['db-notes']?.secrets[0]?.target).toBe('/run/secrets/db_notes_password');
  });

  it('sets the apps environment per the contract, PUBLIC_URL from NOTES_PUBLIC_URL', async () => {
    const { services } = await load({ NOTES_PUBLIC_URL: 'https://notes.example.test' });
    expect(services.notes?.env).toEqual({
      DATABASE_URL: 'mysql://notes@db-notes:3306/notes',
      NODE_ENV: 'production',
      PORT: '3000',
      PUBLIC_URL: 'https://notes.example.test',
      USER_SERVICE_URL: 'http://userauth:3333',
    });
    expect(services.userauth?.env).toEqual({
      DATABASE_URL: 'mysql://userauth@db-userauth:3306/userauth',
      NODE_ENV: 'production',
      PORT: '3333',
    });
    expect((await load()).services.notes?.env.PUBLIC_URL).toBe('http://localhost:3000');
  });

  it('orders startup by health: databases, then userauth, then notes', async () => {
    const { services } = await load();
    expect(services.userauth?.dependsOn).toEqual({ 'db-userauth': 'healthy' });
    expect(services.notes?.dependsOn).toEqual({ 'db-notes': 'healthy', userauth: 'healthy' });
    expect(services['db-userauth']?.healthcheck?.test).toEqual([
      'CMD',
      'healthcheck.sh',
      '--connect',
      '--innodb_initialized',
    ]);
    expect(services.notes?.healthcheck?.test).toEqual(['CMD', '/app/healthcheck.sh']);
    expect(services.userauth?.healthcheck?.test).toEqual(['CMD', '/app/healthcheck.sh']);
    expect(services['db-notes']?.volumes).toEqual([
      { volume: 'db-notes-data', target: '/var/lib/mysql', readOnly: false },
    ]);
  });

  it('places every service on --host when given', async () => {
    const hosts = `hosts:\n  web1: { ssh: root@203.0.113.10 }\n`;
    const stack = readFileSync(join(dir, 'notesctl.config.yaml'), 'utf8');
    writeFileSync(join(dir, 'with-host.yaml'), `${hosts}${stack}`);
    const topology = await loadTopology(join(dir, 'with-host.yaml'), {
      env: {},
      overrideHost: 'web1',
    });
    expect(new Set(Object.values(topology.services).map((s) => s.host))).toEqual(new Set(['web1']));
  });
});

describe('the Notes stack in place', () => {
  it('loads from the repository root with the real build contexts', async () => {
    const topology = await loadTopology(join(ROOT, 'notesctl.config.yaml'), { env: {} });
    expect(topology.services.notes?.image).toMatchObject({
      kind: 'build',
      context: join(ROOT, 'apps', 'notes'),
    });
  });

  it("matches the apps' Dockerfiles: both define the HEALTHCHECK the topology repeats", () => {
    for (const app of ['notes', 'userauth']) {
      const dockerfile = readFileSync(join(ROOT, 'apps', app, 'Dockerfile'), 'utf8');
      expect(dockerfileHasHealthcheck(dockerfile)).toBe(true);
      expect(dockerfile).toContain('CMD ["/app/healthcheck.sh"]');
    }
  });

  it("sends each app's healthcheck.sh in its build context, made executable in the image", async () => {
    for (const app of ['notes', 'userauth']) {
      const dir = join(ROOT, 'apps', app);
      const context = await listContext(dir, 'Dockerfile');
      expect(context.entries.map((e) => e.path)).toContain('healthcheck.sh');
      expect(readFileSync(join(dir, 'healthcheck.sh'), 'utf8')).toMatch(/^#!\/bin\/bash\n/);
      // Whatever mode the checkout gave the file: the image's copy is chmod-ed as root.
      expect(readFileSync(join(dir, 'Dockerfile'), 'utf8')).toContain(
        'RUN chmod 0755 /app/healthcheck.sh',
      );
    }
  });
});
