/**
 * Names and labels of a Swarm cluster's resources (issue 20). Nodes carry labels notesctl sets
 * at `cluster up`, so placement constraints name hosts as the topology does; services, networks
 * and secrets carry the project labels of src/model/names.ts.
 */

/** Labels notesctl sets on a cluster's nodes (the Swarm node spec's labels). */
export const NODE_LABEL = {
  /** The node's host name in notesctl (`m1`): placement constraints use it. */
  host: 'io.notesctl.host',
  /** The cluster the node was joined to by notesctl. */
  cluster: 'io.notesctl.cluster',
  /** `true` on the nodes that run the edge proxy (the cluster's `edge:`). */
  edge: 'io.notesctl.edge',
} as const;

/** A placement constraint: the task runs on the node of host `host`. */
export function onHost(host: string): string {
  return `node.labels.${NODE_LABEL.host}==${host}`;
}

/** The placement constraint of the edge proxy's nodes. */
export const ON_EDGE = `node.labels.${NODE_LABEL.edge}==true`;

/** A Swarm service's name: `<project>_<service>`, as `docker stack deploy` names them. */
export function swarmServiceName(project: string, service: string): string {
  return `${project}_${service}`;
}

/** An overlay network's name: `<project>_<network>`. */
export function overlayName(project: string, network: string): string {
  return `${project}_${network}`;
}

/** A named volume's name on the nodes: `<project>_<volume>`. */
export function clusterVolumeName(project: string, volume: string): string {
  return `${project}_${volume}`;
}

/**
 * A Swarm secret's name: Swarm secrets are immutable, so each value is a new secret whose name
 * carries a digest of it (`<project>_<secret>_<8 hex>`); services move to it by a rolling update.
 */
export function swarmSecretName(project: string, secret: string, digest: string): string {
  return `${project}_${secret}_${digest.slice(0, 8)}`;
}
