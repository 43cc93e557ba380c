/**
 * systemd benchmark (issue 21, first part): the Notes topology deployed with `runtime: systemd`
 * to a fresh systemd VPS (test/bed/vps.ts) through a counting proxy in front of its sshd
 * (optionally delayed): cold `up` (Node installed, releases built and shipped, MariaDB set up),
 * no-op `up`, and a one-line change to notes redeployed — time and bytes sent each way. The
 * comparison the issue asks for (the same topology on the Docker target of an identical VPS, and
 * the old guide's `npm install` + `pm2 start` scripted) is not here yet.
 *
 *   flock /tmp/docker-heavy.lock node bench/systemd.ts [--delay-ms 0] [--runtime systemd|pm2]
 */
import { spawn } from 'node:child_process';
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startDelayProxy } from '../test/bed/delay-proxy.ts';
import { startVps } from '../test/bed/vps.ts';

const ROOT = join(import.meta.dirname, '..');
const ENTRY = join(ROOT, 'test', 'support', 'notesctl-entry.ts');
const { values } = parseArgs({
  options: {
    'delay-ms': { type: 'string', default: '0' },
    // pm2: the same plain server with PM2 as the apps' supervisor.
    runtime: { type: 'string', default: 'systemd' },
  },
});

const project = `sysdbench${Math.random().toString(36).slice(2, 6)}`;
const vps = await startVps(`notesctl-vps-${project}`, [3000]);
const proxy = await startDelayProxy({
  targetHost: '127.0.0.1',
  targetPort: vps.sshPort,
  delayMs: Number(values['delay-ms']),
});
const dir = await mkdtemp(join(tmpdir(), `notesctl-${project}-`));
try {
  for (const app of ['notes', 'userauth']) {
    await cp(join(ROOT, 'apps', app), join(dir, 'apps', app), {
      recursive: true,
      filter: (source) => !/\/(node_modules|dist|coverage)(\/|$)/.test(source),
    });
  }
  const hosts = `project: ${project}\nhost: vps\nhosts:\n  vps:\n    ssh: root@127.0.0.1:${proxy.port}\n    identity: ${vps.identityFile}\n    runtime: ${values.runtime}\n    node: { source: npm }`;
  const config = (await readFile(join(ROOT, 'notesctl.config.yaml'), 'utf8')).replace(
    /^project: .*$/m,
    hosts,
  );
  await writeFile(join(dir, 'notesctl.config.yaml'), config);
  const home = join(dir, 'home');
  await mkdir(join(home, '.ssh'), { recursive: true });
  const key = (await readFile(vps.knownHostsFile, 'utf8')).split(' ').slice(1).join(' ');
  await writeFile(join(home, '.ssh', 'known_hosts'), `[127.0.0.1]:${proxy.port} ${key}`);
  const env = { ...process.env, HOME: home, NOTESCTL_HOME: join(dir, 'nhome'), SSH_AUTH_SOCK: '' };

  // Asynchronous: the counting proxy runs in this process and must keep forwarding.
  const up = () =>
    new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [ENTRY, 'up'], { cwd: dir, env });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('exit', (status) => resolve({ status, stderr }));
    });
  const measure = async (label: string) => {
    proxy.resetStats();
    const start = performance.now();
    const run = await up();
    const s = (performance.now() - start) / 1000;
    if (run.status !== 0) throw new Error(`${label} failed:\n${run.stderr}`);
    const { bytesToTarget, bytesFromTarget } = proxy.stats;
    console.log(
      `${label.padEnd(22)} ${s.toFixed(2).padStart(7)} s  sent ${(bytesToTarget / 1024).toFixed(0).padStart(7)} KiB  received ${(bytesFromTarget / 1024).toFixed(0).padStart(5)} KiB`,
    );
  };
  console.log(
    `systemd VPS, Notes topology, runtime: ${values.runtime}, ${values['delay-ms']} ms delay each way`,
  );
  await measure('cold up');
  await measure('no-op up');
  await appendFile(join(dir, 'apps', 'notes', 'src', 'server.ts'), '// a one-line change\n');
  await measure('one-line redeploy');
} finally {
  await proxy.close();
  await vps.stop();
  await rm(dir, { recursive: true, force: true });
}
