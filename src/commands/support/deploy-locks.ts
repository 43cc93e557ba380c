/**
 * What `notesctl lock status|release` share (issue 23): the hosts of the project (each service's
 * placement, or --host), and the deploy lock on one of them as people read it.
 */
import { describeOwner, parseOwner, type HostLockOwner } from '../../apply/host-lock.ts';
import type { Topology } from '../../model/topology.ts';
import type { HostLockStore } from '../../targets/target.ts';

/** The hosts the project's services are placed on, in name order. */
export function projectHosts(topology: Topology): string[] {
  return [...new Set(Object.values(topology.services).map((s) => s.host))].sort();
}

/** The deploy lock found on a host. */
export interface LockState {
  host: string;
  where: string;
  handle: string | undefined;
  owner: HostLockOwner | undefined;
  /** The host's clock when it was read. */
  hostTime: string;
  /** live: held and renewed; expired: the next run takes it over; released: calls to hand on. */
  state: 'free' | 'live' | 'expired' | 'released';
}

/** Read the lock in `store`. */
export async function readLockState(host: string, store: HostLockStore): Promise<LockState> {
  const [found, now] = await Promise.all([store.read(), store.now()]);
  const owner = found ? parseOwner(found.content) : undefined;
  const state: LockState['state'] = !found
    ? 'free'
    : owner?.released === true
      ? 'released'
      : owner && Date.parse(owner.expires) > now.getTime()
        ? 'live'
        : 'expired';
  return {
    host,
    where: store.where,
    handle: found?.handle,
    owner,
    hostTime: now.toISOString(),
    state,
  };
}

/** One lock's lines for people. */
export function formatLockState(lock: LockState): string {
  if (lock.state === 'free') return `${lock.host}: no deploy lock held (${lock.where})`;
  const who = lock.owner ? describeOwner(lock.owner) : 'an unreadable owner';
  const calls = lock.owner?.inFlight?.length ?? 0;
  const lines = [
    `${lock.host}: ${
      lock.state === 'live'
        ? `held by ${who}, lease until ${lock.owner?.expires ?? '?'} (host time ${lock.hostTime})`
        : lock.state === 'expired'
          ? `left by ${who}: its lease ran out at ${lock.owner?.expires ?? '?'}; the next run takes it over`
          : `released by ${who} with calls unanswered; the next run finishes them`
    }`,
  ];
  if (calls > 0)
    lines.push(`  ${calls} call(s) in flight listed: the next up/down sends them again first`);
  lines.push(`  (${lock.where})`);
  return lines.join('\n');
}
