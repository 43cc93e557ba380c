/**
 * What a volume backup paused, recorded on the host (issue 23). A backup freezes the containers
 * that mount the volume while it copies it (volume-archive.ts); a notesctl killed meanwhile
 * (kill -9, a cancelled CI job, a cut link) never thaws them. So the copy's helper container —
 * one name per volume, `<project>-backup-<volume>` — carries, from its creation, who made it
 * (command, machine, pid) and the containers it pauses, and its holder renews a lease in it
 * while it copies, judged by the host's clock, as the deploy lock does. A helper left behind is
 * the record of a killed backup: the next command that takes the deploy lock (up, down,
 * rollback, restore) or backs the volume up thaws those containers and removes it — at once when
 * its holder ran on this machine and its process is gone, else once its lease ran out. One name
 * per volume also keeps two backups of one volume from pausing and thawing under each other.
 */
import { hostname, userInfo } from 'node:os';
import type { EventSink } from '../../apply/events.ts';
import { alive } from '../../apply/host-lock.ts';
import type { Engine } from '../../engine/engine.ts';
import { isNotFound } from '../../engine/wrap-error.ts';
import type { Topology } from '../../model/topology.ts';

/** The helper's label holding its owner (JSON, set at creation). */
export const HOLD_LABEL = 'io.notesctl.backup-hold';
const LEASE_DIR = '/notesctl';
const LEASE_FILE = 'lease';

/** Who holds a volume's copy, and what it paused. */
export interface HoldOwner {
  command: string;
  user: string;
  machine: string;
  pid: number;
  /** On the host's clock. */
  since: string;
  /** Containers paused (or about to be) by this copy. */
  paused: { id: string; name: string }[];
}

/** The copy helper's name for `volume` of `project`. */
export function holdName(project: string, volume: string): string {
  return `${project}-backup-${volume}`;
}

/** This process as the owner of a copy that pauses `paused`, at host time `since`. */
export function holdOwner(paused: HoldOwner['paused'], since: Date): HoldOwner {
  const user = userInfo().username;
  return {
    command: 'notesctl backup',
    user,
    machine: hostname(),
    pid: process.pid,
    since: since.toISOString(),
    paused,
  };
}

/** Whether a hold's holder is gone: its process on this machine, or its lease on the host. */
export function holdIsStale(owner: HoldOwner | undefined, expires: Date, hostNow: Date): boolean {
  if (!owner) return true;
  if (owner.machine === hostname() && !alive(owner.pid)) return true;
  return expires.getTime() <= hostNow.getTime();
}

/** Keep a copy's lease (`leaseMs`, host clock) renewed until the returned function is called. */
export function renewHold(
  engine: Engine,
  helper: string,
  offsetMs: number,
  leaseMs: number,
): () => void {
  const write = () =>
    engine
      .putFiles(helper, LEASE_DIR, [
        {
          name: LEASE_FILE,
          content: Buffer.from(new Date(Date.now() + offsetMs + leaseMs).toISOString()),
          mode: 0o600,
          uid: 0,
          gid: 0,
        },
      ])
      .catch(() => undefined);
  const timer = setInterval(() => void write(), leaseMs / 3);
  timer.unref();
  return () => clearInterval(timer);
}

/** A live hold found on a volume: its owner, for the backup that must not pause it twice. */
export interface LiveHold {
  volume: string;
  owner: HoldOwner | undefined;
}

/**
 * Thaw what killed backups of `volumes` (default: every volume of the topology) paused, and
 * remove their helpers; the holds still live are returned, untouched.
 */
export async function thawKilledBackups(
  engine: Engine,
  topology: Topology,
  onEvent: EventSink,
  options: { leaseMs: number; volumes?: string[] },
): Promise<LiveHold[]> {
  const volumes = options.volumes ?? Object.keys(topology.volumes);
  const live: LiveHold[] = [];
  await Promise.all(
    volumes.map(async (volume) => {
      const name = holdName(topology.project, volume);
      const details = await engine.inspectContainer(name).catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
      if (!details) return;
      const owner = parseHold(details.labels[HOLD_LABEL]);
      const [lease, now] = await Promise.all([
        engine.readFile(details.id, `${LEASE_DIR}/${LEASE_FILE}`).catch(() => undefined),
        engine.systemTime(),
      ]);
      const since = owner ? Date.parse(owner.since) : 0;
      const expires = new Date(lease ? Date.parse(lease.toString()) : since + options.leaseMs);
      if (!holdIsStale(owner, expires, now)) {
        live.push({ volume, owner });
        return;
      }
      const who = owner
        ? `\`${owner.command}\` (pid ${owner.pid} on ${owner.machine}, since ${owner.since})`
        : 'a backup';
      for (const c of owner?.paused ?? []) {
        const id = `thaw:${c.id}`;
        const text = `unpause ${c.name}, paused by ${who} that never finished its copy of volume ${volume}`;
        onEvent({ type: 'op-start', id, service: undefined, text });
        const started = Date.now();
        // Gone, or not paused (409): nothing to thaw.
        await engine.setPaused(c.id, false).catch(() => undefined);
        onEvent({ type: 'op-done', id, text, ms: Date.now() - started });
      }
      await engine.removeContainer(details.id, { force: true }).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    }),
  );
  return live;
}

function parseHold(label: string | undefined): HoldOwner | undefined {
  try {
    const owner = JSON.parse(label ?? '') as Partial<HoldOwner>;
    return typeof owner.pid === 'number' && Array.isArray(owner.paused)
      ? (owner as HoldOwner)
      : undefined;
  } catch {
    return undefined;
  }
}
