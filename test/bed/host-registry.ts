// Which test hosts exist, who owns them, and which slot (10.77.N.0/24) each holds. A record is
// written before anything of the host is created and removed after everything is gone, so a
// namespace, directory or slot without a record is a leftover of a crashed run.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostNet, netnsPath, type HostNet } from './host-net.ts';
import { tryClaimDir } from './lock.ts';
import { isRunning, startTime } from './procs.ts';
import { dataDir, stateDir } from './state.ts';

/** One test host as the registry knows it. */
export interface HostRecord extends HostNet {
  name: string;
  /** The host's directory on the machine: its /run, image store, keys and logs. */
  dir: string;
  /** Whether the bed started a dockerd on it. */
  dockerd: boolean;
  /** The process that started it. */
  owner: { pid: number; start: number };
  /** Started by hand (`testbed.ts host up`): it outlives its owner. */
  manual: boolean;
  startedAt: string;
}

const maxSlot = 99;
const recordsDir = join(stateDir, 'hosts');
const slotsDir = join(stateDir, 'slots');

/** The directory of the host `name` on the machine. */
export function hostDir(name: string): string {
  return join(dataDir, 'hosts', name);
}

function recordPath(name: string): string {
  return join(recordsDir, `${name}.json`);
}

/** The record of `name`, if any. */
export function readRecord(name: string): HostRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordPath(name), 'utf8')) as HostRecord;
  } catch {
    return undefined;
  }
}

/** Every record. */
export function readRecords(): HostRecord[] {
  if (!existsSync(recordsDir)) return [];
  return readdirSync(recordsDir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => readRecord(file.slice(0, -'.json'.length)))
    .filter((record) => record !== undefined);
}

/** True when the host's owner has exited (for a hand-started host: and its namespace is gone). */
export function isStale(record: HostRecord): boolean {
  const { pid, start } = record.owner;
  if (isRunning(pid) && startTime(pid) === start) return false;
  return record.manual ? !existsSync(netnsPath(record.netns)) : true;
}

/**
 * Claim `name` and a free slot; call under the 'hosts' lock. Returns the existing record instead
 * when the name is taken.
 */
export function claimHost(
  name: string,
  dockerd: boolean,
  manual: boolean,
): { record: HostRecord; existing: boolean } {
  const existing = readRecord(name);
  if (existing !== undefined) return { record: existing, existing: true };
  mkdirSync(recordsDir, { recursive: true });
  mkdirSync(slotsDir, { recursive: true });
  let slot = 1;
  while (!tryClaimDir(join(slotsDir, String(slot)))) {
    slot += 1;
    if (slot > maxSlot)
      throw new Error(`all ${maxSlot} test host slots are in use (10.77.1-99.0/24)`);
  }
  writeFileSync(join(slotsDir, String(slot), 'name'), name);
  const pid = process.pid;
  const start = startTime(pid) ?? 0;
  const record: HostRecord = {
    name,
    ...hostNet(name, slot),
    dir: hostDir(name),
    dockerd,
    owner: { pid, start },
    manual,
    startedAt: new Date().toISOString(),
  };
  writeFileSync(recordPath(name), `${JSON.stringify(record, null, 2)}\n`, { flag: 'wx' });
  return { record, existing: false };
}

/** Forget a host and free its slot; call under the 'hosts' lock, after it is gone. */
export function releaseHost(record: Pick<HostRecord, 'name' | 'slot'>): void {
  rmSync(join(slotsDir, String(record.slot)), { recursive: true, force: true });
  rmSync(recordPath(record.name), { force: true });
}

/** Slots whose host has no record (left by a crash between claiming and recording). */
export function orphanSlots(): number[] {
  if (!existsSync(slotsDir)) return [];
  const recorded = new Set(readRecords().map((record) => record.slot));
  return readdirSync(slotsDir)
    .map(Number)
    .filter((slot) => Number.isInteger(slot) && !recorded.has(slot));
}

/** Free a slot that has no record. */
export function releaseSlot(slot: number): void {
  rmSync(join(slotsDir, String(slot)), { recursive: true, force: true });
}

/** Host directories on the machine that have no record. */
export function orphanDirs(): string[] {
  const root = join(dataDir, 'hosts');
  if (!existsSync(root)) return [];
  const recorded = new Set(readRecords().map((record) => record.name));
  return readdirSync(root)
    .filter((name) => !recorded.has(name))
    .map((name) => join(root, name));
}
