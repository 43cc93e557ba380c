/**
 * Issue 21: `notesctl provision ssh NAME user@host --runtime systemd|pm2` against fresh systemd
 * "VPS"es (test/bed/vps.ts, reached only through their sshd, host keys pinned): the server checked
 * and given what `up` needs but does not install itself, the host recorded with its runtime, a
 * second run that changes nothing; the Notes stack deployed by `up` from topologies that do not
 * repeat the runtime (systemd, then pm2 on a second VPS); runtimes that disagree refused, naming
 * both; a server systemd does not run refused with nothing installed. Asserts on what the
 * servers and the host store hold.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type TestHost } from '../bed/hosts.ts';
import { startVps, type Vps } from '../bed/vps.ts';
import { until } from '../support/plain-project.ts';
import { runCli, type CliResult } from '../support/run-cli.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const project = `pv${Math.random().toString(36).slice(2, 7)}`;
let vps: Vps;
let pm: Vps;
let bare: TestHost;
let dir: string;
let env: Record<string, string>;

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: dir, env, timeoutMs: 600_000 });
}

const recordPath = (name: string) => join(env.NOTESCTL_HOME ?? '', 'hosts', `${name}.json`);

async function readRecord(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(recordPath(name), 'utf8')) as Record<string, unknown>;
}

/** `provision ssh NAME root@127.0.0.1:PORT` of `server` with its key, plus `extra`. */
function provision(name: string, server: Vps, ...extra: string[]): Promise<CliResult> {
  const target = `root@127.0.0.1:${server.sshPort}`;
  return cli(['provision', 'ssh', name, target, '-i', server.identityFile, ...extra]);
}

/** The repository's Notes topology with `header` (YAML lines) in place of its `project:` line. */
async function writeTopology(...header: string[]): Promise<void> {
  const text = await readFile(join(ROOT, 'notesctl.config.yaml'), 'utf8');
  const lines = [`project: ${project}`, ...header].join('\n');
  await writeFile(join(dir, 'notesctl.config.yaml'), text.replace(/^project: .*$/m, lines));
}

/**
 * `hosts.NAME` declaring the recorded server again without `runtime:` or `identity:` (both come
 * from the record), for its `node:` (the npm registry: this machine cannot reach nodejs.org).
 */
function declared(name: string, server: Vps, ...extra: string[]): string[] {
  return [
    'hosts:',
    `  ${name}:`,
    `    ssh: root@127.0.0.1:${server.sshPort}`,
    '    node: { source: npm }',
    ...extra,
  ];
}

async function sh(server: Vps, command: string): Promise<string> {
  return (await server.run(command)).stdout.trim();
}

describe('provision ssh --runtime systemd|pm2', () => {
  beforeAll(async () => {
    [vps, pm, bare] = await Promise.all([
      startVps(`notesctl-vps-${project}`, [3000]),
      startVps(`notesctl-vps-${project}pm`, [3000]),
      startHost(`${project}n`, { dockerd: false }),
    ]);
    dir = await mkdtemp(join(tmpdir(), `notesctl-${project}-`));
    for (const app of ['notes', 'userauth']) {
      await cp(join(ROOT, 'apps', app), join(dir, 'apps', app), {
        recursive: true,
        filter: (source) => !/\/(node_modules|dist|coverage)(\/|$)/.test(source),
      });
    }
    const home = join(dir, 'home');
    await mkdir(join(home, '.ssh'), { recursive: true });
    const keys = await Promise.all([vps, pm].map((v) => readFile(v.knownHostsFile, 'utf8')));
    await writeFile(join(home, '.ssh', 'known_hosts'), keys.join(''));
    env = {
      HOME: home,
      SSH_AUTH_SOCK: '',
      NOTESCTL_HOME: join(dir, 'notesctl-home'),
      NOTES_PUBLIC_URL: `http://127.0.0.1:${vps.ports[3000] ?? 0}`,
    };
  }, 120_000);

  afterAll(async () => {
    await Promise.all([
      (vps as Vps | undefined)?.stop(),
      (pm as Vps | undefined)?.stop(),
      (bare as TestHost | undefined)?.stop(),
    ]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses a wrong --runtime, and a plain server in a cluster, before connecting', async () => {
    const typo = await provision('vps', vps, '--runtime', 'systmd');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('--runtime: expected docker, systemd, pm2, got "systmd"');
    const cluster = await provision('vps', vps, '--runtime', 'pm2', '--cluster', 'prod');
    expect(cluster.code).toBe(2);
    expect(cluster.stderr).toContain(
      '--runtime pm2 with --cluster prod: cluster members run Docker',
    );
    expect(existsSync(recordPath('vps'))).toBe(false);
  });

  it('prepares a fresh VPS for systemd without Docker and records its runtime', async () => {
    // A fresh server without xz-utils (Node's official tarballs are .tar.xz).
    await vps.run('dpkg -r xz-utils >/dev/null 2>&1');
    expect((await vps.run('command -v xz')).exitCode).not.toBe(0);
    const result = await provision('vps', vps, '--runtime', 'systemd');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'server runs Debian GNU/Linux 12 (bookworm) as root, x86_64, systemd 252 (running)',
    );
    expect(result.stderr).toContain('✓ install xz-utils (from Debian GNU/Linux 12 (bookworm))');
    expect(result.stderr).toContain(
      'Host vps is ready for runtime systemd (installed xz-utils; recorded). Deploy to it with: notesctl up --host vps',
    );
    expect(await sh(vps, 'command -v xz')).toBe('/usr/bin/xz');
    expect(await sh(vps, 'command -v docker dockerd || echo none')).toBe('none');
    const record = await readRecord('vps');
    expect(record).toMatchObject({
      name: 'vps',
      runtime: 'systemd',
      hostname: '127.0.0.1',
      port: vps.sshPort,
      os: 'Debian GNU/Linux 12 (bookworm)',
    });
    expect(record).not.toHaveProperty('dockerVersion');
  });

  it('changes nothing on a second run, and says so', async () => {
    const before = await readFile(recordPath('vps'), 'utf8');
    const dpkg = await sh(vps, 'md5sum /var/lib/dpkg/status');
    const result = await provision('vps', vps, '--runtime', 'systemd');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'everything runtime: systemd needs that notesctl up does not install itself is there already',
    );
    expect(result.stderr).toContain('(nothing changed on the server; record unchanged)');
    expect(result.stderr).not.toContain('→ install');
    expect(await sh(vps, 'md5sum /var/lib/dpkg/status')).toBe(dpkg);
    expect(await readFile(recordPath('vps'), 'utf8')).toBe(before);
  });

  it('refuses another runtime for the same server, under its name or another', async () => {
    const before = await readFile(recordPath('vps'), 'utf8');
    const again = await provision('vps', vps, '--runtime', 'pm2');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(
      'host vps is recorded with runtime systemd, not pm2 (--runtime pm2): provisioning it again for pm2 would leave what systemd runs there to no one',
    );
    const beside = await provision('vps2', vps, '--runtime', 'pm2');
    expect(beside.code).toBe(2);
    expect(beside.stderr).toContain(
      `root@127.0.0.1:${vps.sshPort} is recorded as host vps with runtime systemd: a server runs one runtime`,
    );
    expect(await readFile(recordPath('vps'), 'utf8')).toBe(before);
    expect(existsSync(recordPath('vps2'))).toBe(false);
  });

  it('deploys the Notes stack with the recorded runtime from topologies without runtime:', async () => {
    await writeTopology('host: vps', ...declared('vps', vps));
    const up = await cli(['up']);
    expect(up.code, up.stderr).toBe(0);
    for (const service of ['notes', 'userauth'])
      expect(await sh(vps, `systemctl is-active notesctl-${project}-${service}.service`)).toBe(
        'active',
      );
    await until(
      'notes answers over HTTP',
      async () => (await fetch(`${env.NOTES_PUBLIC_URL}/health`)).status === 200,
      30_000,
    );
    // Only the recorded name: the record alone says systemd.
    await writeTopology('host: vps');
    const ps = await cli(['--json', 'ps']);
    expect(ps.code, ps.stderr).toBe(0);
    const rows = JSON.parse(ps.stdout) as { service: string; container: string }[];
    expect(rows.find((r) => r.service === 'notes')?.container).toBe(
      `notesctl-${project}-notes.service`,
    );
    const unchanged = await cli(['up']);
    expect(unchanged.code, unchanged.stderr).toBe(0);
    expect(unchanged.stdout + unchanged.stderr).toContain('up to date');
  });

  it('refuses a topology whose runtime: disagrees with the record, naming both', async () => {
    await writeTopology('host: vps', ...declared('vps', vps, '    runtime: docker'));
    const plan = await cli(['plan']);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toContain(
      'hosts.vps.runtime: "docker" here, but host vps was provisioned for runtime systemd (notesctl hosts show vps)',
    );
  });

  it('prepares a second fresh VPS for pm2, listed with its runtime, and deploys with PM2', async () => {
    const result = await provision('pm', pm, '--runtime', 'pm2');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Host pm is ready for runtime pm2');
    expect(await readRecord('pm')).toMatchObject({ name: 'pm', runtime: 'pm2' });
    const ls = await cli(['--json', 'hosts', 'ls']);
    expect(ls.code, ls.stderr).toBe(0);
    const hosts = JSON.parse(ls.stdout) as { name: string; runtime: string; docker: string }[];
    expect(hosts.map((h) => [h.name, h.runtime, h.docker])).toEqual(
      expect.arrayContaining([
        ['pm', 'pm2', '-'],
        ['vps', 'systemd', '-'],
      ]),
    );
    const show = await cli(['hosts', 'show', 'pm']);
    expect(show.stdout).toContain('runtime: pm2');
    expect(show.stdout).not.toContain('socket:');
    // No engine to ask or to point docker at: neither a failure nor a DOCKER_HOST.
    const status = await cli(['hosts', 'status', 'pm']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^ssh {5}answers \(root@127\.0\.0\.1:\d+ in \d+ ms\)$/m);
    expect(status.stdout).toContain('engine  none (runtime pm2: no Docker engine)');
    const dockerHost = await cli(['hosts', 'env', 'pm']);
    expect(dockerHost.code).toBe(2);
    expect(dockerHost.stderr).toContain(
      'hosts env pm: the host runs runtime pm2, without a Docker engine',
    );
    await writeTopology('host: pm', ...declared('pm', pm));
    const plan = await cli(['plan']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/ pm2: install PM2 \d+\.\d+\.\d+/);
    expect(plan.stdout).toContain(`write notesctl-${project}-notes's ecosystem file`);
    const up = await cli(['up']);
    expect(up.code, up.stderr).toBe(0);
    expect(await sh(pm, 'systemctl is-active pm2-root')).toBe('active');
    expect(
      await sh(
        pm,
        `/opt/notesctl/bin/pm2 jlist | grep -o '"name":"notesctl-${project}-notes"' | head -1`,
      ),
    ).toBe(`"name":"notesctl-${project}-notes"`);
    await until(
      'notes answers over HTTP on the pm2 server',
      async () => (await fetch(`http://127.0.0.1:${pm.ports[3000] ?? 0}/health`)).status === 200,
      30_000,
    );
  });

  it('refuses a server systemd does not run, and installs nothing', async () => {
    const result = await cli([
      'provision',
      'ssh',
      'bare',
      `root@${bare.address}`,
      '-i',
      bare.identityFile,
      '--accept-new-host-key',
      '--runtime',
      'systemd',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /bare: systemd does not run this machine \(PID 1 is \S+, no \/run\/systemd\/system\): runtime systemd and pm2 keep services alive with systemd/,
    );
    expect(result.stderr).toContain('not a container');
    expect(result.stderr).not.toContain('→ install');
    expect(existsSync(recordPath('bare'))).toBe(false);
  });
});
