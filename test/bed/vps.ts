// A systemd "VPS" for the systemd/PM2 targets (issue 21; shared/TESTBED.md "A systemd VPS"): a
// container booting systemd from notesctl-testbed/vps:bookworm, reached by tests only through
// its sshd on a loopback port, with a host key generated for this run and pinned in a
// known_hosts file. Chosen ports are published on 127.0.0.1 at fixed numbers so they survive a
// reboot (a container restart).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { docker } from './docker-cli.ts';
import { ensureVpsImage, vpsImage } from './images.ts';
import { freePort } from './mariadb.ts';

/** Label on every VPS container, so a crashed run's leftovers can be found and removed. */
export const vpsLabel = 'io.notesctl.testbed.vps';

/** A running VPS container and how to reach it. */
export interface Vps {
  name: string;
  /** Where its sshd answers (127.0.0.1:sshPort). */
  address: string;
  sshPort: number;
  /** The generated key authorised for root. */
  identityFile: string;
  /** A known_hosts file pinning the VPS's host key at `[127.0.0.1]:sshPort`. */
  knownHostsFile: string;
  /** The loopback port each requested container port is published on. */
  ports: Record<number, number>;
  /** Run a command in the VPS as root (through docker exec: for assertions, not for notesctl). */
  run(command: string): Promise<{ exitCode: number; stdout: string }>;
  /** Reboot: stop the container (systemd shuts down) and start it again; wait for sshd. */
  reboot(): Promise<void>;
  stop(): Promise<void>;
}

// SYS_PTRACE: root on a real server has it, Docker's default set does not; `exec` and health
// checks enter a service's mount namespace (nsenter), which needs it for another user's process.
// NET_ADMIN likewise, for the nftables firewall of `firewall: true` (in the VPS's own netns).
const RUN_FLAGS = [
  '--cap-add',
  'SYS_ADMIN',
  '--cap-add',
  'SYS_PTRACE',
  '--cap-add',
  'NET_ADMIN',
  '--security-opt',
  'seccomp=unconfined',
  '--security-opt',
  'apparmor=unconfined',
  '-v',
  '/sys/fs/cgroup:/sys/fs/cgroup:rw',
  '--tmpfs',
  '/run',
  '--tmpfs',
  '/run/lock',
];

async function keygen(file: string): Promise<void> {
  await execa('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'notesctl-testbed',
    '-f',
    file,
  ]);
}

/** Start a fresh VPS named `name` publishing `ports` (container ports) on loopback. */
export async function startVps(name: string, ports: number[] = []): Promise<Vps> {
  await ensureVpsImage();
  await docker(['rm', '-f', name], { reject: false });
  const dir = mkdtempSync(join(tmpdir(), `notesctl-vps-${name}-`));
  const identityFile = join(dir, 'id_ed25519');
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  await Promise.all([keygen(identityFile), keygen(hostKey)]);
  const sshPort = await freePort();
  const published: Record<number, number> = {};
  for (const port of ports) published[port] = await freePort();
  const knownHostsFile = join(dir, 'known_hosts');
  const [type, key] = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ');
  writeFileSync(knownHostsFile, `[127.0.0.1]:${sshPort} ${type ?? ''} ${key ?? ''}\n`);
  // A real server's /etc/hosts persists across reboots; Docker rewrites its own at every start,
  // which would drop the block notesctl manages. A file of ours, mounted, persists like a disk.
  const hostsFile = join(dir, 'hosts');
  writeFileSync(hostsFile, '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  const publish = [
    ['-v', `${hostsFile}:/etc/hosts`],
    ['-p', `127.0.0.1:${sshPort}:22`],
    ...Object.entries(published).map(([inner, outer]) => ['-p', `127.0.0.1:${outer}:${inner}`]),
  ].flat();
  await docker([
    'create',
    '--name',
    name,
    '--label',
    `${vpsLabel}=1`,
    ...RUN_FLAGS,
    ...publish,
    vpsImage,
  ]);
  await docker(['cp', hostKey, `${name}:/etc/ssh/ssh_host_ed25519_key`]);
  await docker(['cp', `${hostKey}.pub`, `${name}:/etc/ssh/ssh_host_ed25519_key.pub`]);
  await docker(['cp', `${identityFile}.pub`, `${name}:/root/.ssh/authorized_keys`]);
  const run = async (command: string) => {
    const result = await docker(['exec', name, 'bash', '-c', command], { reject: false });
    return { exitCode: result.exitCode, stdout: result.stdout };
  };
  const boot = async () => {
    await docker(['start', name]);
    await waitForBoot(name, run);
  };
  await boot();
  return {
    name,
    address: '127.0.0.1',
    sshPort,
    identityFile,
    knownHostsFile,
    ports: published,
    run,
    async reboot() {
      await docker(['stop', '-t', '30', name]);
      await boot();
    },
    async stop() {
      await docker(['rm', '-f', name], { reject: false });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Poll until systemd says the boot is over (running or degraded) and sshd is active. */
async function waitForBoot(name: string, run: Vps['run'], deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < deadline) {
    const state = await run('systemctl is-system-running; systemctl is-active ssh');
    last = state.stdout;
    if (/^(running|degraded)\nactive$/.test(state.stdout)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`VPS ${name} did not finish booting within ${deadlineMs} ms (last: ${last})`);
}

/** Remove VPS containers a crashed run left behind. */
export async function removeLeftoverVps(): Promise<void> {
  const found = await docker(['ps', '-aq', '--filter', `label=${vpsLabel}`], { reject: false });
  const ids = found.stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await docker(['rm', '-f', ...ids], { reject: false });
}
