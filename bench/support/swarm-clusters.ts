/**
 * The clusters of bench/swarm.ts: namespace test hosts started with the cluster bed's fail-fast
 * resolver (test/bed/cluster.ts), the Notes topology written for one cluster of them (as
 * test/integration/swarm-notes.test.ts writes it), and SSH through delay proxies for the
 * measurements at a WAN round trip — for notesctl (hosts at 127.0.0.1:PORT, known_hosts for
 * them) and for the docker CLI (an ssh wrapper with its own config, as bench/support/remote-host.ts).
 */
import { appendFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hostApi, type ClusterBed } from '../../test/bed/cluster.ts';
import { startDelayProxy, type DelayProxy } from '../../test/bed/delay-proxy.ts';
import type { TestHost } from '../../test/bed/hosts.ts';
import { readPidFile } from '../../test/bed/procs.ts';
import { onCleanup } from './cleanup.ts';
import { ROOT } from './workspace.ts';

/** How the topology reaches each host: directly, or through its delay proxy. */
export type HostsYaml = string;

/** Hosts entries for direct SSH to each host's own address (what `cluster up` needs). */
export function directHosts(bed: ClusterBed, names: string[]): HostsYaml {
  return bed.hostsYaml({ names });
}

/** The repository's Notes topology on cluster `cluster` of `members`; notes × 3, overlays unencrypted. */
export async function writeSwarmTopology(
  file: string,
  options: { project: string; hosts: HostsYaml; cluster: string; members: string[]; apps: string },
): Promise<void> {
  let text = await readFile(join(ROOT, 'notesctl.config.yaml'), 'utf8');
  text = text.replace(
    /^project: notes$/m,
    [
      `project: ${options.project}`,
      options.hosts,
      'clusters:',
      `  ${options.cluster}: { managers: [${options.members.join(', ')}] }`,
      `host: ${options.cluster}`,
    ].join('\n'),
  );
  text = text
    .replace('  frontnet: {}', '  frontnet: { encrypted: false }')
    .replace('  svcnet: { internal: true }', '  svcnet: { internal: true, encrypted: false }')
    .replace('  authnet: { internal: true }', '  authnet: { internal: true, encrypted: false }')
    .replaceAll('build: apps/', `build: ${options.apps}/`)
    .replace(
      '    http: { port: 3000, path: /health }',
      '    http: { port: 3000, path: /health }\n    replicas: 3',
    );
  if (!text.includes('replicas: 3') || !text.includes(`build: ${options.apps}/notes`))
    throw new Error(
      'notesctl.config.yaml changed shape: bench/support/swarm-clusters.ts must follow',
    );
  await writeFile(file, text);
}

/** Delay proxies in front of the hosts' sshd, and the SSH set-up of both tools through them. */
export interface DelayedAccess {
  proxies: Map<string, DelayProxy>;
  /** Hosts entries naming 127.0.0.1:PORT of each host's proxy. */
  hosts: HostsYaml;
  /** Environment of the docker CLI: DOCKER_HOST through the manager's proxy, PATH with the ssh wrapper. */
  dockerEnv: Record<string, string>;
  /** `ssh … true` through the manager's proxy (one SSH login: the floor of any command). */
  sshTrue: string[];
}

/**
 * Start one proxy per host (`delayMs` each way), trust their keys in `home`'s known_hosts for
 * notesctl, and write an ssh config + wrapper for the docker CLI under `home`.
 */
export async function startDelayedAccess(
  hosts: TestHost[],
  home: string,
  delayMs: number,
): Promise<DelayedAccess> {
  const proxies = new Map<string, DelayProxy>();
  for (const host of hosts) {
    const proxy = await startDelayProxy({ targetHost: host.address, targetPort: 22, delayMs });
    onCleanup(`stop the delay proxy of ${host.name}`, () => proxy.close());
    proxies.set(host.name, proxy);
  }
  const port = (host: TestHost) => proxies.get(host.name)?.port ?? 0;
  const ssh = join(home, '.ssh');
  await mkdir(ssh, { recursive: true, mode: 0o700 });
  const knownHosts = join(ssh, 'known_hosts');
  await appendFile(
    knownHosts,
    hosts.map((h) => `[127.0.0.1]:${port(h)} ${h.hostPublicKey}\n`).join(''),
  );
  const [manager] = hosts;
  if (!manager) throw new Error('no hosts');
  const config = join(ssh, 'config');
  await writeFile(
    config,
    [
      'Host 127.0.0.1',
      `  IdentityFile ${manager.identityFile}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${knownHosts}`,
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  // OpenSSH reads ~/.ssh from the passwd entry, not $HOME: a wrapper named `ssh` first on PATH
  // gives the docker CLI (which runs `ssh … docker system dial-stdio`) this set-up.
  const bin = join(home, 'bin');
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${config} "$@"\n`, {
    mode: 0o755,
  });
  // The peer is Debian's docker CLI (docker.io, shared/TESTBED.md), whatever else is on PATH.
  await symlink('/usr/bin/docker', join(bin, 'docker'));
  return {
    proxies,
    hosts: [
      'hosts:',
      ...hosts.flatMap((h) => [
        `  ${h.name}:`,
        `    ssh: root@127.0.0.1:${port(h)}`,
        `    identity: ${h.identityFile}`,
      ]),
    ].join('\n'),
    dockerEnv: {
      HOME: home,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      DOCKER_HOST: `ssh://root@127.0.0.1:${port(manager)}`,
      DOCKER_CONFIG: join(home, '.docker'),
      SSH_AUTH_SOCK: '',
    },
    sshTrue: [join(bin, 'ssh'), '-p', String(port(manager)), 'root@127.0.0.1', 'true'],
  };
}

/** The pid of a host's dockerd (for the CPU meter). */
export function hostDockerdPid(host: TestHost): number {
  const pid = readPidFile(join(dirname(host.logDir), 'run', 'docker.pid'));
  if (pid === undefined) throw new Error(`${host.name}: no dockerd pid file`);
  return pid;
}

interface TaskInfo {
  ServiceID: string;
  DesiredState: string;
  Status: { State: string };
}
interface ServiceInfo {
  ID: string;
  Spec: {
    Name: string;
    Labels: Record<string, string>;
    Mode: { Replicated?: { Replicas: number }; Global?: object };
    TaskTemplate: { Placement?: { Constraints?: string[] } };
  };
  Version: { Index: number };
}

/** The services whose name starts with `prefix_`, through the manager's own socket. */
export async function servicesOf(manager: TestHost, prefix: string): Promise<ServiceInfo[]> {
  const all = await hostApi<ServiceInfo[]>(manager, 'GET', '/services');
  return all.filter((s) => s.Spec.Name.startsWith(`${prefix}_`));
}

/**
 * Whether every service of `prefix` runs all its tasks (`running` in Swarm means healthy for a
 * service with a health check; global: one per node) — read through the manager's socket.
 */
export async function converged(
  manager: TestHost,
  prefix: string,
  nodes: number,
): Promise<boolean> {
  const services = await servicesOf(manager, prefix);
  if (services.length === 0) return false;
  const tasks = await hostApi<TaskInfo[]>(manager, 'GET', '/tasks');
  return services.every((s) => {
    const want = s.Spec.Mode.Replicated?.Replicas ?? nodes;
    const running = tasks.filter(
      (t) => t.ServiceID === s.ID && t.DesiredState === 'running' && t.Status.State === 'running',
    );
    return running.length === want;
  });
}
