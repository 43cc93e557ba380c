/**
 * The operations of a plan for a Swarm cluster (issue 20): each is one Engine API call through
 * a manager (or one wait). Secret values are not in the plan: a create-secret names the topology
 * secret, and the target supplies its value when the step runs.
 */
import type { ServiceSpec } from '../model/swarm-spec.ts';

/** One call (or wait) of a cluster plan. */
export type SwarmCall =
  | {
      kind: 'create-network';
      name: string;
      internal: boolean;
      encrypted: boolean;
      labels: Record<string, string>;
    }
  /** After overlays are created or changed: traffic between the nodes that share them. */
  | { kind: 'probe-network'; name: string; encrypted: boolean }
  | { kind: 'create-secret'; secret: string; name: string; labels: Record<string, string> }
  | { kind: 'create-config'; name: string; labels: Record<string, string>; text: string }
  | { kind: 'create-service'; spec: ServiceSpec }
  | { kind: 'update-service'; id: string; version: number; spec: ServiceSpec }
  /** Wait until the service's tasks run (healthy), or its rolling update completed. */
  | { kind: 'wait-service'; name: string; hash: string; replicas: number; timeoutMs: number }
  | { kind: 'remove-service'; id: string; name: string }
  | { kind: 'remove-secret'; id: string; name: string }
  | { kind: 'remove-config'; id: string; name: string }
  | { kind: 'remove-network'; id: string; name: string }
  /** A named volume on one node (the data on that node's disk). */
  | { kind: 'remove-volume'; host: string; name: string };

/** True for the calls that change the cluster. */
export function swarmCallMutates(call: SwarmCall): boolean {
  return call.kind !== 'wait-service' && call.kind !== 'probe-network';
}
