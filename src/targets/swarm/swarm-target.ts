/**
 * The `swarm` target (issue 20): a project's services as Swarm services on a cluster of SSH
 * hosts, driven through a manager's Engine API.
 */
import type { RemoteAccess } from '../../engine/open.ts';
import type { Topology } from '../../model/topology.ts';
import { UsageError } from '../../errors.ts';
import type { OpenHooks } from '../open.ts';
import type { Target } from '../target.ts';

/** Open the target of cluster `cluster`: one SSH connection per member, in parallel. */
export function openSwarmTarget(
  cluster: string,
  ..._rest: [Topology, (host: string) => Promise<RemoteAccess>, OpenHooks]
): Promise<Target> {
  return Promise.reject(
    new UsageError(`deploying to cluster "${cluster}" is not available in this build yet`),
  );
}
