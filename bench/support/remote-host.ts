/**
 * The remote side of bench/remote.ts: a namespace test host (its own sshd and dockerd) behind the
 * delay proxy, recorded in notesctl's host store by `provision ssh`, and an SSH setup the peers
 * use non-interactively with the host's test key and a known_hosts file naming its key — all in
 * the benchmark's own temp HOME; nothing outside it is configured. Registered for cleanup.
 */
import { appendFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { connectLocalEngine } from '../../src/engine/connect.ts';
import { DockerEngine } from '../../src/engine/docker-engine.ts';
import { startDelayProxy, type DelayProxy } from '../../test/bed/delay-proxy.ts';
import { startHost, type TestHost } from '../../test/bed/hosts.ts';
import { onCleanup } from './cleanup.ts';
import type { SecretFiles } from './workspace.ts';

/** What the tools need to reach the host through the proxy. */
export interface BenchHost {
  host: TestHost;
  proxy: DelayProxy;
  /** `ssh://root@127.0.0.1:PORT`: the proxy in front of the host's sshd. */
  dockerHost: string;
  /** For every tool: the temp HOME (paramiko reads ~/.ssh there), PATH with the `ssh` wrapper. */
  env: Record<string, string>;
  /** For the peers only (notesctl refuses a non-unix DOCKER_HOST for its local engine). */
  peerEnv: Record<string, string>;
  /** Where compose and the script find the secret files: the host's own /root, as on a server. */
  secrets: SecretFiles;
  /** `ssh … true` through the proxy with the peers' setup (the floor of one SSH login). */
  sshTrue: string[];
}

/**
 * docker-py over paramiko opens one SSH session per pooled HTTP connection on its single SSH
 * connection, and compose runs calls in parallel: past sshd's default MaxSessions (10) it fails
 * with `ChannelException(2, 'Connect failed')` (docker/compose#6463, #7542). Their workaround is
 * to raise MaxSessions on the server, as a compose user must; notesctl's stream-local channels
 * are not sessions, so this changes nothing for it. sshd re-reads its config on SIGHUP.
 */
async function allowManySessions(host: TestHost): Promise<void> {
  await appendFile(host.sshdConfig, '\n# bench/remote.ts: compose + paramiko\nMaxSessions 100\n');
  const pid = Number(await readFile(join(dirname(host.logDir), 'run', 'sshd.pid'), 'utf8'));
  process.kill(pid, 'SIGHUP');
  // It listens again once re-executed: log in directly (not through the proxy) until it answers.
  const deadline = Date.now() + 20_000;
  const login = [...host.sshOptions, `root@${host.address}`, 'true'];
  while ((await execa('ssh', login, { reject: false })).exitCode !== 0) {
    if (Date.now() > deadline)
      throw new Error(`sshd of ${host.name} did not come back after SIGHUP`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Put images on the host as they would be after an earlier deploy: copied straight into its
 * engine through its socket (not through SSH: this is set-up, not a measurement).
 */
export async function copyImages(host: TestHost, refs: string[]): Promise<void> {
  const source = connectLocalEngine();
  const target = new DockerEngine(host.name, { kind: 'socket', socketPath: host.dockerSocket });
  try {
    await target.loadImages(await source.saveImages(refs));
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
}

/** The peers' versions, for the report. */
export async function peerVersions(env: Record<string, string>): Promise<string> {
  const run = async (file: string, args: string[]) =>
    (await execa(file, args, { env, reject: false })).stdout.trim();
  const compose = await run('docker-compose', ['version', '--short']);
  const paramiko = await run('/usr/bin/python3', [
    '-c',
    'import paramiko; print(paramiko.__version__)',
  ]);
  const cli = await run('docker', ['version', '--format', '{{.Client.Version}}']);
  return `docker-compose ${compose} (paramiko ${paramiko}), docker CLI ${cli}`;
}

/** Start the host and the proxy (`delayMs` each way) and write the peers' SSH setup. */
export async function startBenchHost(id: string, delayMs: number): Promise<BenchHost> {
  const host = await startHost(`${id}-h`);
  onCleanup(`stop test host ${host.name}`, () => host.stop());
  await allowManySessions(host);
  const proxy = await startDelayProxy({ targetHost: host.address, targetPort: 22, delayMs });
  onCleanup('stop the delay proxy', () => proxy.close());

  const home = await mkdtemp(join(tmpdir(), `notesctl-${id}-home-`));
  onCleanup(`remove ${home}`, () => rm(home, { recursive: true, force: true }));
  const ssh = join(home, '.ssh');
  await mkdir(ssh, { mode: 0o700 });
  // paramiko (docker-py) reads IdentityFile from ~/.ssh/config and host keys from
  // ~/.ssh/known_hosts under $HOME; port 22 is not the proxy's, hence `[127.0.0.1]:PORT`.
  const knownHosts = join(ssh, 'known_hosts');
  await writeFile(knownHosts, `[127.0.0.1]:${proxy.port} ${host.hostPublicKey}\n`, { mode: 0o600 });
  const config = join(ssh, 'config');
  await writeFile(
    config,
    [
      'Host 127.0.0.1',
      `  IdentityFile ${host.identityFile}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${knownHosts}`,
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  // OpenSSH reads ~/.ssh from the passwd entry, not $HOME: a wrapper named `ssh` first on PATH
  // gives the docker CLI (which runs `ssh … docker system dial-stdio`) the same setup.
  const bin = join(home, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${config} "$@"\n`, {
    mode: 0o755,
  });
  // The peer is Debian's docker CLI (docker.io, shared/TESTBED.md), whatever else is on PATH.
  await symlink('/usr/bin/docker', join(bin, 'docker'));
  const dockerHost = `ssh://root@127.0.0.1:${proxy.port}`;
  // The host's /root is its own folder (test/bed/host/host-init.sh), under the host's dir here.
  const hostDir = dirname(host.logDir);
  const secrets = {
    writeDir: join(hostDir, 'root', `${id}-secrets`),
    mountDir: `/root/${id}-secrets`,
  };
  return {
    host,
    proxy,
    dockerHost,
    env: {
      HOME: home,
      SSH_AUTH_SOCK: '',
      PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    },
    peerEnv: {
      DOCKER_HOST: dockerHost,
      // Compose 1.29 runs the ssh binary by default; the issue compares with paramiko.
      COMPOSE_PARAMIKO_SSH: '1',
      DOCKER_CONFIG: join(home, '.docker'),
    },
    secrets,
    sshTrue: [join(bin, 'ssh'), '-p', String(proxy.port), 'root@127.0.0.1', 'true'],
  };
}
