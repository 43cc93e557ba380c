import { resolve } from 'node:path';
// "Remote" test hosts on this machine (shared/TESTBED.md): a network namespace with its own address,
// its own dockerd and its own key-only sshd; inside it, /run/docker.sock is the host's own engine.
// startHost/stopHost are safe to call from parallel test files; cleanupStaleHosts removes what a
// crashed run left.
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { pingEngine } from './engine.ts';
import { readHostFiles, writeHostFiles, type HostFiles } from './host-files.ts';
import { discardDir, killContainerLeftovers, killContainers } from './host-leftovers.ts';
import { purgeTrash, unmountUnder } from './host-leftovers.ts';
import { allowHostToHost, createHostNet, deleteHostNet, netnsPath } from './host-net.ts';
import { listTestbedNetns, netnsPrefix, removeHostToHost, vethPrefix } from './host-net.ts';
import {
  claimHost,
  hostDir,
  isStale,
  orphanDirs,
  orphanSlots,
  readRecord,
} from './host-registry.ts';
import { readRecords, releaseHost, releaseSlot, type HostRecord } from './host-registry.ts';
import { withLock } from './lock.ts';
import { log, since } from './log.ts';
import { commandName, processesInNamespace, terminate } from './procs.ts';

/** The repository root, kept visible inside hosts (see host/host-init.sh). */
const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/** How to start a test host. */
export interface HostOptions {
  /** sshd settings; stream-local forwarding is on unless turned off (dial-stdio fallback tests). */
  sshd?: { allowStreamLocalForwarding?: boolean };
  /**
   * Start the host's dockerd (default true). Without it the host is a server to provision; docker.io
   * is "installed" there already, because the host shares this machine's file system, but
   * /var/lib/docker, /etc/docker and /run are the host's own, so a dockerd started there is its own.
   */
  dockerd?: boolean;
  /** Started by hand (`testbed.ts host up`): not tied to this process, kept by cleanupStaleHosts. */
  manual?: boolean;
  /**
   * `fail-fast`: the host's /etc/resolv.conf names 127.0.0.1, where nothing listens, so DNS
   * lookups (Swarm's image resolution before each task) fail at once instead of timing out.
   */
  resolver?: 'machine' | 'fail-fast';
}

/** A running test host, as tests reach it. */
export interface TestHost extends HostFiles {
  name: string;
  address: string;
  sshPort: number;
  user: 'root';
  /** The host's engine socket as seen from the machine (inside the host: /run/docker.sock). */
  dockerSocket: string;
  /** The host's /var/log as seen from the machine: dockerd.log, sshd.log. */
  logDir: string;
  /** ssh options that log in with the test key and check the host key: `ssh ...sshOptions root@address`. */
  sshOptions: string[];
  stop: () => Promise<void>;
}

const initScript = fileURLToPath(new URL('./host/host-init.sh', import.meta.url));

function toHandle(record: HostRecord, files: HostFiles): TestHost {
  return {
    name: record.name,
    address: record.address,
    sshPort: 22,
    user: 'root',
    ...files,
    dockerSocket: join(record.dir, 'run', 'docker.sock'),
    logDir: join(record.dir, 'log'),
    sshOptions: [
      ...['-F', '/dev/null', '-i', files.identityFile, '-o', 'IdentitiesOnly=yes'],
      ...['-o', `UserKnownHostsFile=${files.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes'],
      ...['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10'],
    ],
    stop: () => stopHost(record.name),
  };
}

function tcpAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function waitFor(
  what: string,
  deadlineMs: number,
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${deadlineMs} ms`);
    await sleep(50);
  }
}

/** Start the host's programs in its namespaces and wait until sshd (and dockerd) answer. */
async function bringUp(record: HostRecord, options: HostOptions): Promise<TestHost> {
  discardDir(record.dir);
  const files = await writeHostFiles(record, {
    allowStreamLocalForwarding: options.sshd?.allowStreamLocalForwarding ?? true,
  });
  await createHostNet(record);
  await allowHostToHost();
  const env = {
    TB_NAME: record.name,
    TB_DIR: record.dir,
    TB_DOCKERD: record.dockerd ? '1' : '0',
    TB_REPO: REPO_ROOT,
    TB_RESOLVER: options.resolver ?? 'machine',
  };
  const unshare = [
    'unshare',
    '--mount',
    '--uts',
    '--propagation',
    'private',
    '--',
    'bash',
    initScript,
  ];
  await execa('nsenter', [`--net=${netnsPath(record.netns)}`, ...unshare], { env, all: true });
  const handle = toHandle(record, files);
  await waitFor(`sshd of ${record.name}`, 20_000, () => tcpAnswers(record.address, 22));
  if (record.dockerd) {
    const socketPath = handle.dockerSocket;
    await waitFor(`dockerd of ${record.name} (log: ${handle.logDir}/dockerd.log)`, 60_000, () =>
      pingEngine({ kind: 'unix', socketPath }, 1000),
    );
  }
  return handle;
}

/** Start the test host `name`; its handle carries the address, keys and engine socket. */
export async function startHost(name: string, options: HostOptions = {}): Promise<TestHost> {
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(name)) {
    throw new Error(`test host name "${name}": use 1-40 of a-z, 0-9 and -, starting with a letter`);
  }
  const start = performance.now();
  const claim = () =>
    withLock('hosts', () =>
      Promise.resolve(claimHost(name, options.dockerd ?? true, options.manual ?? false)),
    );
  let claimed = await claim();
  if (claimed.existing) {
    if (!isStale(claimed.record)) {
      const owner = claimed.record.manual
        ? 'started by hand'
        : `owner pid ${claimed.record.owner.pid}`;
      throw new Error(`test host ${name} is already up (${owner}); stop it first`);
    }
    await stopHost(name);
    claimed = await claim();
    if (claimed.existing)
      throw new Error(`test host ${name} was claimed by another process meanwhile`);
  }
  try {
    const handle = await bringUp(claimed.record, options);
    log(`host ${name} up at ${claimed.record.address} in ${since(start)} ms`);
    return handle;
  } catch (error) {
    await stopHost(name).catch(() => undefined);
    throw error;
  }
}

/** The handle of a host that is up (by hand or by another process). */
export function getHost(name: string): TestHost | undefined {
  const record = readRecord(name);
  return record === undefined ? undefined : toHandle(record, readHostFiles(record));
}

/** Every recorded host, with whether it is stale. */
export function listHosts(): (HostRecord & { stale: boolean })[] {
  return readRecords().map((record) => ({ ...record, stale: isStale(record) }));
}

/** Stop the test host `name` and remove everything of it; idempotent. */
export function stopHost(name: string): Promise<void> {
  // One stop at a time per host: a test's afterAll and a cleanup may race.
  return withLock(`host-${name}`, () => removeHost(name));
}

async function removeHost(name: string): Promise<void> {
  const start = performance.now();
  const record = readRecord(name);
  const netns = record?.netns ?? `${netnsPrefix}${name}`;
  const dir = record?.dir ?? hostDir(name);
  const nsPath = netnsPath(netns);
  // The host's containers die at once (a teardown, not a shutdown to test), then dockerd exits
  // cleanly, then sshd, its sessions, containerd and shims: everything left in the namespace.
  await killContainers(join(dir, 'run', 'docker.sock'));
  const dockerds = processesInNamespace('net', nsPath).filter(
    (pid) => commandName(pid) === 'dockerd',
  );
  await terminate(dockerds, 40_000);
  await terminate(processesInNamespace('net', nsPath), 5000);
  const leftovers = await killContainerLeftovers(join(dir, 'docker'));
  if (leftovers > 0) log(`host ${name}: killed ${leftovers} leftover container processes`);
  await deleteHostNet({ netns, veth: record?.veth ?? `${vethPrefix}0` });
  await unmountUnder(dir);
  discardDir(dir);
  await withLock('hosts', async () => {
    if (record !== undefined) releaseHost(record);
    if (readRecords().length === 0) await removeHostToHost();
  });
  if (record !== undefined) log(`host ${name} down in ${since(start)} ms`);
}

/** Remove hosts whose owner is gone and every leftover without a record; `all` removes every host. */
export async function cleanupStaleHosts(options: { all?: boolean } = {}): Promise<string[]> {
  const names = await withLock('hosts', async () => {
    const records = readRecords();
    const recordedNetns = new Set(records.map((record) => record.netns));
    for (const slot of orphanSlots()) releaseSlot(slot);
    const slots = new Set(records.map((record) => record.slot));
    for (const veth of await orphanVeths(slots))
      await execa('ip', ['link', 'del', veth], { reject: false });
    return [
      ...records
        .filter((record) => options.all === true || isStale(record))
        .map((record) => record.name),
      ...(await listTestbedNetns())
        .filter((ns) => !recordedNetns.has(ns))
        .map((ns) => ns.slice(netnsPrefix.length)),
      ...orphanDirs().map((dir) => dir.slice(dir.lastIndexOf('/') + 1)),
    ];
  });
  const unique = [...new Set(names)];
  for (const name of unique) {
    log(`cleaning up test host ${name}`);
    await stopHost(name);
  }
  purgeTrash();
  return unique;
}

async function orphanVeths(recordedSlots: Set<number>): Promise<string[]> {
  const { stdout } = await execa('ip', ['-o', 'link', 'show', 'type', 'veth']);
  const pattern = new RegExp(`^\\d+: (${vethPrefix}(\\d+))[@:]`);
  return stdout
    .split('\n')
    .map((line) => pattern.exec(line))
    .filter((match) => match !== null && !recordedSlots.has(Number(match[2])))
    .map((match) => match?.[1] ?? '');
}
