// A shared Swarm bed (issue 20): N namespace test hosts (hosts.ts), started together once per test
// file, each with a resolver that fails fast (so Swarm's image lookups do not wait ~20 s) and
// reachable from the others on every port, the swarm ports included (host-net.ts lets test hosts
// forward to each other: 2377/tcp, 7946/tcp+udp, 4789/udp). The bed never forms the swarm itself:
// that is notesctl's job (`cluster up`); it only reads the swarm state and stops or restarts an
// engine for failure tests. stop() leaves every swarm and stops every host.
import { appendFileSync, copyFileSync, linkSync, mkdirSync, mkdtempSync } from 'node:fs';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { pingEngine } from './engine.ts';
import { startHost, type TestHost } from './hosts.ts';
import { log, since } from './log.ts';
import { readPidFile, terminate } from './procs.ts';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.ts';

/** The socket, inside a host, at which recordHostCalls's proxy answers. */
export const RECORDING_SOCKET = '/run/notesctl-recording.sock';

/**
 * Record every Engine API call made to `host` through RECORDING_SOCKET (name it as the host's
 * `socket:`): a recording proxy in front of the host's engine, its socket hard-linked into the
 * host's /run (a socket is found by its inode, so the link answers inside the host's mounts).
 */
export async function recordHostCalls(host: TestHost): Promise<RecordingProxy> {
  const proxy = await startRecordingProxy(host.dockerSocket);
  const inside = join(hostDirOf(host), 'run', RECORDING_SOCKET.slice('/run/'.length));
  rmSync(inside, { force: true });
  linkSync(proxy.socketPath, inside);
  return proxy;
}

/** Hosts started for one test file. */
export interface ClusterBed {
  hosts: TestHost[];
  /** Lines for a known_hosts file trusting every host of the bed. */
  knownHosts: string;
  /**
   * `hosts:` entries of a topology for these hosts (SSH to each, with its test key); `socket`
   * is the engine socket inside each host (recordHostCalls gives one that records the calls).
   */
  hostsYaml(options?: { names?: string[]; socket?: string }): string;
  /** Leave any swarm (forced) and stop every host; idempotent. */
  stop(): Promise<void>;
}

/** Start `names` as test hosts, in parallel, with the fail-fast resolver. */
export async function startClusterBed(names: string[]): Promise<ClusterBed> {
  const started = performance.now();
  const settled = await Promise.allSettled(
    names.map((name) => startHost(name, { resolver: 'fail-fast' })),
  );
  const hosts = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s) => s.status === 'rejected');
  const stop = async () => {
    await Promise.all(hosts.map((h) => leaveSwarm(h).catch(() => undefined)));
    await Promise.all(hosts.map((h) => h.stop()));
  };
  if (failed) {
    await stop();
    throw failed.reason;
  }
  log(`cluster bed ${names.join(', ')} up in ${since(started)} ms`);
  return {
    hosts,
    knownHosts: hosts.map((h) => `${h.address} ${h.hostPublicKey}\n`).join(''),
    hostsYaml: ({ names: only = names, socket } = {}) =>
      [
        'hosts:',
        ...hosts
          .filter((h) => only.includes(h.name))
          .flatMap((h) => [
            `  ${h.name}:`,
            `    ssh: root@${h.address}`,
            `    identity: ${h.identityFile}`,
            ...(socket === undefined ? [] : [`    socket: ${socket}`]),
          ]),
      ].join('\n'),
    stop,
  };
}

/** Trust the bed's host keys in `home`/.ssh/known_hosts (the operator's file notesctl reads). */
export function trustBedHosts(home: string, bed: ClusterBed): void {
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  appendFileSync(join(home, '.ssh', 'known_hosts'), bed.knownHosts);
}

/** One JSON call to a host's engine through its socket (as seen from the machine). */
export function hostApi<T>(
  host: TestHost,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: host.dockerSocket,
        method,
        path: `/v1.41${path}`,
        headers: payload ? { 'Content-Type': 'application/json' } : {},
        timeout: 20_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 300)
            reject(new Error(`${host.name} ${method} ${path}: ${res.statusCode ?? '?'} ${text}`));
          else resolve((text === '' ? undefined : JSON.parse(text)) as T);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${host.name} ${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The host's own swarm state: inactive | pending | active | error | locked. */
export async function swarmState(host: TestHost): Promise<string> {
  const info = await hostApi<{ Swarm: { LocalNodeState: string } }>(host, 'GET', '/info');
  return info.Swarm.LocalNodeState;
}

/** Make the host leave its swarm, forced (cleanup only; tests use notesctl). */
export async function leaveSwarm(host: TestHost): Promise<void> {
  if ((await swarmState(host)) === 'inactive') return;
  await hostApi(host, 'POST', '/swarm/leave?force=true');
}

function hostDirOf(host: TestHost): string {
  return dirname(dirname(host.dockerSocket));
}

/** Stop the host's dockerd (SIGTERM, as a crash-free shutdown); its containers stop with it. */
export async function stopHostEngine(host: TestHost): Promise<void> {
  const pid = readPidFile(join(hostDirOf(host), 'run', 'docker.pid'));
  if (pid === undefined) throw new Error(`${host.name}: no dockerd pid file`);
  await terminate([pid], 30_000);
}

/** Start the host's dockerd again, inside its namespaces (those of its sshd), and wait for it. */
export async function startHostEngine(host: TestHost): Promise<void> {
  const sshd = readPidFile(join(hostDirOf(host), 'run', 'sshd.pid'));
  if (sshd === undefined) throw new Error(`${host.name}: no sshd pid file`);
  const dockerd =
    'setsid dockerd --data-root /var/lib/docker --exec-root /run/docker --pidfile /run/docker.pid ' +
    '-H unix:///run/docker.sock </dev/null >>/var/log/dockerd.log 2>&1 &';
  await execa('nsenter', ['-t', String(sshd), '--net', '--mount', '--uts', 'sh', '-c', dockerd]);
  const deadline = Date.now() + 60_000;
  while (!(await pingEngine({ kind: 'unix', socketPath: host.dockerSocket }, 1000))) {
    if (Date.now() > deadline) throw new Error(`${host.name}: dockerd did not come back in 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Write a topology file with the bed's hosts and one cluster; returns its path. */
export function writeClusterTopology(
  dir: string,
  bed: ClusterBed,
  cluster: { project: string; name: string; managers: string[]; workers?: string[] },
  socket?: string,
): string {
  const file = join(dir, 'notesctl.config.yaml');
  const list = (xs: string[]) => `[${xs.join(', ')}]`;
  writeFileSync(
    file,
    [
      `project: ${cluster.project}`,
      bed.hostsYaml(socket === undefined ? {} : { socket }),
      'clusters:',
      `  ${cluster.name}:`,
      `    managers: ${list(cluster.managers)}`,
      ...(cluster.workers?.length ? [`    workers: ${list(cluster.workers)}`] : []),
      // A topology needs a service; this one is never deployed by the cluster commands.
      'services:',
      '  app:',
      '    image: notesctl-testbed/debian:bookworm',
      `    host: ${cluster.name}`,
      '',
    ].join('\n'),
  );
  return file;
}

/** A ~2 MB image running the machine's `sleep` (with its libc): `/usr/bin/sleep SECONDS`. */
export const SLEEPER_IMAGE = 'notesctl-testbed/sleeper:1';

/**
 * Import SLEEPER_IMAGE into each host's engine (no registry, no pull: Swarm's lookup of it fails at
 * once with the fail-fast resolver, then it uses the local image), for tests that need tasks.
 */
export async function importSleeperImage(hosts: TestHost[]): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'notesctl-sleeper-'));
  try {
    const { stdout } = await execa('ldd', ['/usr/bin/sleep']);
    for (const file of ['/usr/bin/sleep', ...(stdout.match(/\/[^\s]+/g) ?? [])]) {
      mkdirSync(join(root, dirname(file)), { recursive: true });
      copyFileSync(file, join(root, file));
    }
    const load = 'tar -C "$1" -c . | docker -H "unix://$2" import - "$3" >/dev/null';
    await Promise.all(
      hosts.map((h) => execa('sh', ['-c', load, 'sh', root, h.dockerSocket, SLEEPER_IMAGE])),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
