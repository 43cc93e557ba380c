// The network of one test host (shared/TESTBED.md "Remote hosts on one machine"): a namespace, a
// veth pair with 10.77.N.1 on the machine side and 10.77.N.2 inside, a default route via .1.
// Test hosts may reach the machine and each other, nothing else: no MASQUERADE is added, and the
// machine's FORWARD policy (DROP under Docker) keeps them off every other network.
import { existsSync } from 'node:fs';
import { execa } from 'execa';

/** Addresses and names of one host's network. */
export interface HostNet {
  slot: number;
  /** Network namespace name (ip netns). */
  netns: string;
  /** Machine-side veth name (at most 15 characters). */
  veth: string;
  /** The host's address, 10.77.N.2. */
  address: string;
  /** The machine's address on the host's link, 10.77.N.1. */
  machineAddress: string;
}

/** Names of the test bed's network namespaces start with this. */
export const netnsPrefix = 'ntb-';
/** Names of the test bed's machine-side veths start with this (then the slot number). */
export const vethPrefix = 'ntb';

/** The network of the host `name` in slot N (1-99). */
export function hostNet(name: string, slot: number): HostNet {
  return {
    slot,
    netns: `${netnsPrefix}${name}`,
    veth: `${vethPrefix}${slot}`,
    address: `10.77.${slot}.2`,
    machineAddress: `10.77.${slot}.1`,
  };
}

/** Path of a network namespace's handle, for nsenter --net. */
export function netnsPath(netns: string): string {
  return `/var/run/netns/${netns}`;
}

async function ip(args: string[], reject = true): Promise<void> {
  await execa('ip', args, { reject });
}

/** Create the namespace and the link; the host's eth0 carries 10.77.N.2/24. */
export async function createHostNet(net: HostNet): Promise<void> {
  await ip(['netns', 'add', net.netns]);
  await ip(['link', 'add', net.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', net.netns]);
  await ip(['addr', 'add', `${net.machineAddress}/24`, 'dev', net.veth]);
  await ip(['link', 'set', net.veth, 'up']);
  const inside = ['-n', net.netns];
  await ip([...inside, 'link', 'set', 'lo', 'up']);
  await ip([...inside, 'addr', 'add', `${net.address}/24`, 'dev', 'eth0']);
  await ip([...inside, 'link', 'set', 'eth0', 'up']);
  await ip([...inside, 'route', 'add', 'default', 'via', net.machineAddress]);
}

/** Delete the link and the namespace; missing pieces are fine (idempotent). */
export async function deleteHostNet(net: Pick<HostNet, 'netns' | 'veth'>): Promise<void> {
  if (existsSync(`/sys/class/net/${net.veth}`)) await ip(['link', 'del', net.veth], false);
  if (existsSync(netnsPath(net.netns))) await ip(['netns', 'del', net.netns], false);
  if (existsSync(netnsPath(net.netns))) throw new Error(`could not delete namespace ${net.netns}`);
}

/** The test bed's namespaces that exist now. */
export async function listTestbedNetns(): Promise<string[]> {
  const { stdout } = await execa('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(netnsPrefix));
}

// Between test hosts: accepted. From a test host to anywhere else through the machine: dropped
// explicitly, whatever FORWARD's policy (Docker sets DROP, but a machine without Docker's rules
// would forward them, un-NATed, to its uplink).
const forwardRules = [
  ['FORWARD', '-i', `${vethPrefix}+`, '-o', `${vethPrefix}+`, '-j', 'ACCEPT'],
  ['FORWARD', '-i', `${vethPrefix}+`, '!', '-o', `${vethPrefix}+`, '-j', 'DROP'],
];

/** Let test hosts reach each other through the machine, and nothing beyond it. */
export async function allowHostToHost(): Promise<void> {
  for (const rule of forwardRules) {
    const present = await execa('iptables', ['-w', '-C', ...rule], { reject: false });
    if (present.exitCode !== 0) await execa('iptables', ['-w', '-A', ...rule]);
  }
}

/** Remove the forwarding rules (when the last test host is gone). */
export async function removeHostToHost(): Promise<void> {
  for (const rule of forwardRules) {
    await execa('iptables', ['-w', '-D', ...rule], { reject: false });
  }
}
