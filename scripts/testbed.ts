// The notesctl test bed by hand (shared/TESTBED.md). Node 24 runs this file directly:
//   node scripts/testbed.ts <command>   (see usage below; most commands need root)
import { parseArgs } from 'node:util';
import { startDelayProxy } from '../test/bed/delay-proxy.ts';
import { ensureEngine } from '../test/bed/engine.ts';
import { cleanupStaleHosts, getHost, listHosts, startHost, stopHost } from '../test/bed/hosts.ts';
import { ensureBaseImages, ensureHttpsImages } from '../test/bed/images.ts';
import { log } from '../test/bed/log.ts';

const usage = `usage: node scripts/testbed.ts <command>
  engine                      make sure the local Docker engine answers (installs/starts it as root)
  images                      make sure node:24-bookworm-slim, mariadb:10.11, caddy:2 (builds stand-ins)
                              and notesctl-testbed/pebble:2.4.0 (the ACME test server) exist
  host up NAME [--no-dockerd] [--no-stream-local-forwarding] [--fail-fast-dns]
                              start a test host (namespace + dockerd + sshd) and print how to reach it;
                              --fail-fast-dns: its DNS fails at once (Swarm hosts: no 20 s image lookups)
  host down NAME              stop a test host and remove everything of it
  host ls                     list test hosts
  delay --to HOST:PORT --ms D [--port P]
                              run a TCP proxy adding D ms each way until interrupted
  cleanup [--all]             remove test hosts whose owner is gone and any leftovers (--all: every host)`;

async function engine(): Promise<void> {
  const report = await ensureEngine();
  log(`engine ${report.action} (${report.ms} ms)`);
}

async function images(): Promise<void> {
  await ensureEngine();
  const reports = await Promise.all([ensureBaseImages(), ensureHttpsImages()]);
  for (const report of reports.flat()) {
    log(`${report.image}: ${report.action} (${(report.ms / 1000).toFixed(1)} s)`);
  }
}

async function host(args: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'no-dockerd': { type: 'boolean' },
      'no-stream-local-forwarding': { type: 'boolean' },
      'fail-fast-dns': { type: 'boolean' },
    },
  });
  const [action, name] = positionals;
  if (action === 'ls') {
    for (const h of listHosts()) {
      const owner = h.manual ? 'by hand' : `pid ${h.owner.pid}`;
      console.log(`${h.name}\t${h.address}\t${owner}${h.stale ? '\tSTALE' : ''}\t${h.dir}`);
    }
    return;
  }
  if (name === undefined) throw new Error(`host ${action ?? ''}: name the host\n${usage}`);
  if (action === 'down') {
    await stopHost(name);
    return;
  }
  if (action !== 'up') throw new Error(`host ${action ?? ''}: expected up, down or ls`);
  await startHost(name, {
    manual: true,
    dockerd: values['no-dockerd'] !== true,
    sshd: { allowStreamLocalForwarding: values['no-stream-local-forwarding'] !== true },
    resolver: values['fail-fast-dns'] === true ? 'fail-fast' : 'machine',
  });
  const h = getHost(name);
  if (h === undefined) throw new Error(`host ${name} vanished`);
  console.log(`address        ${h.address}
identity file  ${h.identityFile}
known_hosts    ${h.knownHostsFile}
engine socket  ${h.dockerSocket}   (inside the host: /run/docker.sock)
ssh            ssh ${h.sshOptions.join(' ')} root@${h.address}
docker         DOCKER_HOST=unix://${h.dockerSocket} docker ps`);
}

async function delay(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { to: { type: 'string' }, ms: { type: 'string' }, port: { type: 'string' } },
  });
  const target = /^(.+):(\d+)$/.exec(values.to ?? '');
  const ms = Number(values.ms);
  if (target?.[1] === undefined || target[2] === undefined || !(ms >= 0)) {
    throw new Error(`delay: expected --to HOST:PORT --ms D\n${usage}`);
  }
  const proxy = await startDelayProxy({
    targetHost: target[1],
    targetPort: Number(target[2]),
    delayMs: ms,
    ...(values.port === undefined ? {} : { listenPort: Number(values.port) }),
  });
  log(
    `delaying ${proxy.host}:${proxy.port} -> ${values.to ?? ''} by ${ms} ms each way; Ctrl-C stops`,
  );
  await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  const { connections, bytesToTarget, bytesFromTarget } = proxy.stats;
  log(`${connections} connections, ${bytesToTarget} bytes out, ${bytesFromTarget} bytes back`);
  await proxy.close();
}

async function cleanup(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { all: { type: 'boolean' } } });
  const removed = await cleanupStaleHosts({ all: values.all === true });
  log(removed.length === 0 ? 'nothing to clean up' : `removed: ${removed.join(', ')}`);
}

async function main([command, ...rest]: string[]): Promise<void> {
  switch (command) {
    case 'engine':
      return engine();
    case 'images':
      return images();
    case 'host':
      return host(rest);
    case 'delay':
      return delay(rest);
    case 'cleanup':
      return cleanup(rest);
    default:
      console.error(usage);
      process.exitCode = 2;
  }
}

await main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`testbed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
