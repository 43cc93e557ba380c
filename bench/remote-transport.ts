// Remote engine transport at WAN latency (issue 6): a namespace test host behind the delay proxy
// (25 ms each way = 50 ms RTT), measured in one run against peers on the same link.
//   notesctl transport: SSH ready, first API call, 4 parallel calls, image load throughput
//   CLI wall time:      `notesctl ps` (from source), `docker -H ssh:// ps`, `ssh host true`
// Connections per command are counted by the proxy. Run as root: node bench/remote-transport.ts
// [runs] [delayMs]. Prints a Markdown table; nothing is written.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { connectLocalEngine } from '../src/engine/connect.ts';
import { DockerEngine } from '../src/engine/docker-engine.ts';
import { openSshTransport } from '../src/engine/ssh/transport.ts';
import type { SshConnectOptions } from '../src/engine/ssh/connect.ts';
import { startDelayProxy } from '../test/bed/delay-proxy.ts';
import { startHost } from '../test/bed/hosts.ts';
import { debianImage } from '../test/bed/images.ts';
import { runCli } from '../test/support/run-cli.ts';

const runs = Number(process.argv[2] ?? 7);
const delayMs = Number(process.argv[3] ?? 25);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const dir = mkdtempSync(join(tmpdir(), 'notesctl-bench-'));
const host = await startHost(`bench${process.pid % 100000}`);
const proxy = await startDelayProxy({ targetHost: host.address, targetPort: 22, delayMs });
const env = { HOME: dir, NOTESCTL_HOME: join(dir, 'state'), SSH_AUTH_SOCK: '' };
const endpoint = {
  name: 'web1',
  user: 'root',
  hostname: '127.0.0.1',
  port: proxy.port,
  identity: host.identityFile,
  socket: '/run/docker.sock',
};
const ssh: SshConnectOptions = {
  env,
  passphrase: undefined,
  hostKeys: {
    files: { own: join(dir, 'state', 'known_hosts'), operator: join(dir, 'none') },
    acceptNew: true,
    ask: undefined,
    note: () => undefined,
  },
};
const rows: [string, string, string][] = [];
const row = (what: string, ms: number, note = '') => rows.push([what, `${Math.round(ms)}`, note]);

try {
  // notesctl's transport, in process.
  const ready: number[] = [];
  const first: number[] = [];
  const four: number[] = [];
  const again: number[] = [];
  for (let i = 0; i < runs; i++) {
    proxy.resetStats();
    const t0 = performance.now();
    const { transport, agent } = await openSshTransport(endpoint, ssh);
    const t1 = performance.now();
    const engine = new DockerEngine('web1', transport);
    await engine.ping();
    const t2 = performance.now();
    await Promise.all([
      engine.listContainers({}),
      engine.listNetworks({}),
      engine.listVolumes({}),
      engine.version(),
    ]);
    const t3 = performance.now();
    await Promise.all([
      engine.listContainers({}),
      engine.listNetworks({}),
      engine.listVolumes({}),
      engine.version(),
    ]);
    const t4 = performance.now();
    await engine.close();
    if (proxy.stats.connections !== 1 || agent.channelsOpened !== 4) {
      throw new Error(
        `expected 1 connection and 4 channels, got ${proxy.stats.connections} and ${agent.channelsOpened}`,
      );
    }
    if (i === 0) continue; // warm-up (module JIT, first known_hosts write)
    ready.push(t1 - t0);
    first.push(t2 - t1);
    four.push(t3 - t2);
    again.push(t4 - t3);
  }
  row('SSH ready (TCP + handshake + key login)', median(ready), '1 connection');
  row('first API call (GET /_ping)', median(first), 'opens channel 1');
  row('4 parallel calls', median(four), '3 new channels + 1 reused');
  row('4 parallel calls again', median(again), 'all 4 channels reused');

  // Image stream: the Debian stand-in from the local engine into the remote one.
  const local = connectLocalEngine();
  const bytes = (await execa('docker', ['image', 'inspect', '-f', '{{.Size}}', debianImage]))
    .stdout;
  const { transport } = await openSshTransport(endpoint, ssh);
  const remote = new DockerEngine('web1', transport);
  const t0 = performance.now();
  await remote.loadImages(await local.saveImages([debianImage]));
  const loadMs = performance.now() - t0;
  await remote.close();
  const mb = Number(bytes) / 1e6;
  row(
    `load ${debianImage} (${mb.toFixed(0)} MB)`,
    loadMs,
    `${(mb / (loadMs / 1000)).toFixed(1)} MB/s`,
  );

  // CLI wall times.
  const file = join(dir, 'notesctl.config.yaml');
  writeFileSync(
    file,
    `project: bench\nhosts:\n  web1:\n    ssh: root@127.0.0.1:${proxy.port}\n    identity: ${host.identityFile}\nservices:\n  app:\n    image: ${debianImage}\n    host: web1\n`,
  );
  const cliTimes: number[] = [];
  const localTimes: number[] = [];
  let cliConnections = 0;
  for (let i = 0; i < runs; i++) {
    proxy.resetStats();
    const result = await runCli(['-f', file, 'ps'], { env, cwd: dir });
    if (result.code !== 0) throw new Error(result.stderr);
    cliConnections = proxy.stats.connections;
    cliTimes.push(result.ms);
    const localRun = await runCli(['-f', file, '--host', 'local', 'ps'], { env, cwd: dir });
    localTimes.push(localRun.ms);
  }
  row(
    '`notesctl ps` over SSH (process, from source)',
    median(cliTimes),
    `${cliConnections} SSH connection(s)`,
  );
  row(
    '`notesctl ps` on the local engine (same process cost)',
    median(localTimes),
    'Node start + module load',
  );

  // Opt-in persistent connection: the first run starts the background process, later ones reuse it.
  const persistEnv = { ...env, NOTESCTL_SSH_PERSIST: '30' };
  await runCli(['-f', file, 'ps'], { env: persistEnv, cwd: dir });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const persistTimes: number[] = [];
  proxy.resetStats();
  for (let i = 0; i < runs; i++) {
    const result = await runCli(['-f', file, 'ps'], { env: persistEnv, cwd: dir });
    if (result.code !== 0) throw new Error(result.stderr);
    persistTimes.push(result.ms);
  }
  row(
    '`notesctl ps` with NOTESCTL_SSH_PERSIST (warm)',
    median(persistTimes),
    `${proxy.stats.connections} new SSH connection(s) in ${runs} runs`,
  );

  // Peers: OpenSSH and the docker CLI over the same proxy.
  // OpenSSH reads ~/.ssh from the passwd entry, not $HOME: a wrapper named `ssh` first on PATH
  // gives both ssh and the docker CLI (which runs `ssh`) this run's key and known_hosts.
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const sshConfig = join(dir, 'ssh_config');
  writeFileSync(
    sshConfig,
    `Host 127.0.0.1\n  IdentityFile ${host.identityFile}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${join(dir, 'state', 'known_hosts')}\n  StrictHostKeyChecking yes\n  BatchMode yes\n`,
  );
  writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${sshConfig} "$@"\n`, {
    mode: 0o755,
  });
  const peerEnv = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    DOCKER_CONFIG: join(dir, '.docker'),
  };
  const sshTimes: number[] = [];
  const dockerTimes: number[] = [];
  let dockerConnections = 0;
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    await execa(join(bin, 'ssh'), ['-p', String(proxy.port), 'root@127.0.0.1', 'true'], {
      env: peerEnv,
    });
    sshTimes.push(performance.now() - t);
    proxy.resetStats();
    t = performance.now();
    await execa('docker', ['-H', `ssh://root@127.0.0.1:${proxy.port}`, 'ps'], {
      env: peerEnv,
    });
    dockerTimes.push(performance.now() - t);
    dockerConnections = proxy.stats.connections;
  }
  row('`ssh host true` (OpenSSH)', median(sshTimes), '1 connection');
  row(
    '`docker -H ssh:// ps` (docker CLI 20.10)',
    median(dockerTimes),
    `${dockerConnections} SSH connection(s)`,
  );

  console.log(
    `\n${runs} runs (first transport run is warm-up), RTT ${2 * delayMs} ms via the delay proxy; medians.\n`,
  );
  console.log('| measurement | ms | note |\n|---|---:|---|');
  for (const [what, ms, note] of rows) console.log(`| ${what} | ${ms} | ${note} |`);
} finally {
  await proxy.close();
  await host.stop();
  rmSync(dir, { recursive: true, force: true });
}
