/**
 * The deploy lock on the target host (issue 23). The lock file in the state folder (lock.ts)
 * serialises the runs of one machine; two operators — or a laptop and a CI runner — deploying to
 * the same host were not serialised at all. So `up`, `down` and `restore` also hold a lock that
 * lives on the host, in an object the runtime creates atomically (HostLockStore; for Docker a
 * named container, see targets/docker/lock-store.ts), holding who (user, machine, pid), what
 * (the command), since when, and a **lease** the holder renews while it works. A lock whose
 * lease ran out — its holder was killed, its CI job cancelled, its link cut — is taken over,
 * naming the old holder. Leases are judged by the host's clock, so operators' clocks may be off.
 *
 * The holder's calls in flight (in-flight.ts) are written into the lock too, and a holder that
 * ends with calls unanswered leaves the lock behind, marked released: the next run, from any
 * machine, inherits them and finishes them first.
 */
import { hostname, userInfo } from 'node:os';
import { randomBytes } from 'node:crypto';
import { RuntimeError } from '../errors.ts';
import type { HostLockStore } from '../targets/target.ts';
import type { InFlightCall } from './in-flight.ts';
import type { Lock } from './lock.ts';

/** What the lock object holds. */
export interface HostLockOwner {
  /** This holding (a run that lost its lock can tell its successor's apart). */
  token: string;
  command: string;
  user: string;
  machine: string;
  pid: number;
  since: string;
  /** The lease's end, on the host's clock. */
  expires: string;
  inFlight?: InFlightCall[];
  /** The holder ended; the lock stays only to hand its unanswered calls on. */
  released?: boolean;
}

/** How long a lease lasts unless NOTESCTL_LOCK_LEASE_S says otherwise; renewed every third. */
const DEFAULT_LEASE_MS = 30_000;

/** The lease length for this process. */
export function leaseMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.NOTESCTL_LOCK_LEASE_S);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_LEASE_MS;
}

/** `owner` for people: `` `notesctl up` (ann on laptop, pid 42, since …) ``. */
export function describeOwner(owner: HostLockOwner): string {
  return `\`${owner.command}\` (${owner.user} on ${owner.machine}, pid ${owner.pid}, since ${owner.since})`;
}

/** The owner in a lock's content; undefined when it is not one (then it is stale). */
export function parseOwner(content: string): HostLockOwner | undefined {
  try {
    const owner = JSON.parse(content) as Partial<HostLockOwner>;
    return typeof owner.token === 'string' && typeof owner.expires === 'string'
      ? (owner as HostLockOwner)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A host lock held by this run: a Lock (as the in-flight list writes it), and what it lost. */
export interface HostLock extends Lock {
  /** Set when a renewal found the lock gone or taken over (the run should stop). */
  lost: string | undefined;
  /** Aborted (its reason a RuntimeError saying so) as soon as a renewal finds the lock lost. */
  lostSignal: AbortSignal;
}

/** What acquiring needs besides the store. */
export interface AcquireOptions {
  command: string;
  /** How long to wait for a live holder before failing. */
  waitMs: number;
  leaseMs: number;
  /** Called once when a live holder is waited for. */
  onWait?: (owner: string) => void;
  /** Called when an expired lock is taken over (the old holder named). */
  onTakeOver?: (message: string) => void;
}

/** Take the deploy lock in `store`, waiting for a live holder and taking over an expired one. */
export async function acquireHostLock(
  store: HostLockStore,
  options: AcquireOptions,
): Promise<HostLock> {
  const deadline = Date.now() + options.waitMs;
  let announced = false;
  let inherited: Lock['inherited'];
  // Said once the new lock exists, so that the old holder, reading it at that moment, finds it.
  let tookOver: string | undefined;
  for (;;) {
    const hostNow = (await store.now()).getTime();
    const offset = hostNow - Date.now();
    const owner: HostLockOwner = {
      token: randomBytes(8).toString('hex'),
      command: options.command,
      user: userInfo().username,
      machine: hostname(),
      pid: process.pid,
      since: new Date(hostNow).toISOString(),
      expires: new Date(hostNow + options.leaseMs).toISOString(),
      ...(inherited ? { inFlight: inherited.calls } : {}),
    };
    const handle = await store.create(JSON.stringify(owner));
    if (handle !== undefined) {
      if (tookOver !== undefined) options.onTakeOver?.(tookOver);
      return heldLock(store, handle, owner, inherited, offset, options);
    }
    tookOver = undefined;
    const current = await store.read();
    if (!current) continue; // removed meanwhile: try again
    const holder = parseOwner(current.content);
    // A holder on this machine whose process is gone (kill -9) need not be waited for.
    const gone = holder?.machine === hostname() && !alive(holder.pid);
    if (!holder || holder.released === true || gone || Date.parse(holder.expires) <= hostNow) {
      inherited = holder?.inFlight?.length
        ? { from: senderOf(holder), calls: holder.inFlight }
        : undefined;
      if (holder && holder.released !== true) {
        const why = gone
          ? `its process (pid ${holder.pid}) is gone`
          : `its lease ran out at ${holder.expires}`;
        tookOver = `took over the deploy lock (${store.where}) from ${describeOwner(holder)}: ${why}`;
      }
      await store.remove(current.handle);
      continue;
    }
    inherited = undefined;
    const who = `${describeOwner(holder)}, lease until ${holder.expires}`;
    if (Date.now() >= deadline) {
      throw new RuntimeError(`the deploy lock (${store.where}) is held by ${who}`, {
        hint: 'Wait for it to finish (`notesctl lock status`). If that run is gone for good and its lease keeps being renewed, `notesctl lock release`.',
      });
    }
    if (!announced) {
      options.onWait?.(who);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, Math.min(1_000, options.leaseMs / 4)));
  }
}

/** True while process `pid` of this machine exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who sent a former holder's calls, and why they were left unanswered. */
function senderOf(holder: HostLockOwner): string {
  const who = `\`${holder.command}\` (pid ${holder.pid} on ${holder.machine})`;
  return holder.released === true ? `${who} before it lost the engine` : `an interrupted ${who}`;
}

function heldLock(
  store: HostLockStore,
  handle: string,
  owner: HostLockOwner,
  inherited: Lock['inherited'],
  offset: number,
  options: AcquireOptions,
): HostLock {
  let listed = owner.inFlight ?? [];
  let released = false;
  let writing = Promise.resolve();
  const lostController = new AbortController();
  const content = (extra: Partial<HostLockOwner> = {}) =>
    JSON.stringify({
      ...owner,
      expires: new Date(Date.now() + offset + options.leaseMs).toISOString(),
      inFlight: listed,
      ...extra,
    });
  const lock: HostLock = {
    path: store.where,
    inherited,
    lost: undefined,
    lostSignal: lostController.signal,
    recordInFlight(calls) {
      listed = calls;
      const next = writing.then(async () => {
        if (!released && !(await store.write(handle, content()))) await lose();
      });
      writing = next.catch(() => undefined);
      return next;
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(renewal);
      await writing;
      // A lock taken over by another run is theirs now: leave it alone.
      if (lock.lost !== undefined) return;
      if (listed.length === 0) await store.remove(handle);
      else await store.write(handle, content({ released: true }));
    },
  };
  // Issue 23: a run whose lease ran out while it was stalled (a suspended laptop, a frozen VM)
  // may have been taken over; its next renewal finds the lock gone and stops the run at once.
  const lose = async () => {
    if (lock.lost !== undefined) return;
    const now = parseOwner((await store.read().catch(() => undefined))?.content ?? '');
    const by = now ? `; it is now held by ${describeOwner(now)}` : '';
    lock.lost = `lost the deploy lock (${store.where}): it was released (\`notesctl lock release\`) or taken over after its lease ran out${by}`;
    lostController.abort(
      new RuntimeError(`${lock.lost}; stopped this run before it changed more`, {
        hint: 'Another run may be deploying now: see `notesctl lock status`, then run this command again.',
      }),
    );
  };
  // Renewals go in the same queue as the in-flight writes; a failed one (a link down for a
  // moment) is tried again at the next tick — the lease outlasts two of them.
  const renewal = setInterval(() => {
    writing = writing
      .then(async () => {
        if (!released && !(await store.write(handle, content()))) await lose();
      })
      .catch(() => undefined);
  }, options.leaseMs / 3);
  renewal.unref();
  return lock;
}

/**
 * The local lock and the host lock as one Lock for the in-flight list: the calls either of them
 * inherited (each once), and every list written to both — the local file first, awaited, as
 * before; the host's copy queued behind it, so the calls are not held back by a round trip.
 */
export function bothLocks(local: Lock, host: HostLock): Lock {
  const calls = new Map<string, InFlightCall>();
  const from: string[] = [];
  for (const inherited of [host.inherited, local.inherited]) {
    if (!inherited) continue;
    // The same run in both (`… (pid 42)` here, `… (pid 42 on laptop)` on the host): named once.
    if (!from.some((f) => f.startsWith(inherited.from.replace(/\)$/, ''))))
      from.push(inherited.from);
    for (const call of inherited.calls) calls.set(JSON.stringify(call), call);
  }
  return {
    path: `${local.path} and ${host.path}`,
    inherited:
      calls.size > 0
        ? { from: [...new Set(from)].join(' and '), calls: [...calls.values()] }
        : undefined,
    async recordInFlight(list) {
      void host.recordInFlight(list).catch(() => undefined);
      await local.recordInFlight(list);
    },
    release: async () => {
      await Promise.all([local.release(), host.release()]);
    },
  };
}
