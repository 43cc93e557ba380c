/**
 * Swarm node calls (issue 20) in notesctl's own types, through a manager's `engine.request`: the
 * node list, a node's labels, role and availability, removing a node's entry; and two reads and
 * clean-ups around membership (the project's services, the gateway bridge a node leaves behind).
 */
import type { Engine, Labels } from './engine.ts';

/** One node as a manager lists it (`GET /nodes`). */
export interface SwarmNode {
  id: string;
  /** Version index, required by an update. */
  version: number;
  hostname: string;
  role: 'manager' | 'worker';
  /** active | pause | drain */
  availability: string;
  /** ready | down | unknown | disconnected */
  state: string;
  /** The node's address as the swarm sees it. */
  addr: string;
  labels: Labels;
  leader: boolean;
  /** reachable | unreachable | unknown, managers only. */
  reachability: string | undefined;
  /** The manager's raft address (`10.77.1.2:2377`), managers only. */
  managerAddr: string | undefined;
  engineVersion: string;
}

/** What a node update sets (the rest of its spec is kept). */
export interface NodeChange {
  labels?: Labels;
  role?: 'manager' | 'worker';
  availability?: 'active' | 'pause' | 'drain';
}

interface NodeSpec {
  Name?: string;
  Labels?: Labels;
  Role?: 'manager' | 'worker';
  Availability?: 'active' | 'pause' | 'drain';
}

interface NodeAnswer {
  ID: string;
  Version?: { Index?: number };
  Spec?: NodeSpec;
  Description?: { Hostname?: string; Engine?: { EngineVersion?: string } };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string; Addr?: string };
}

function toSwarmNode(node: NodeAnswer): SwarmNode {
  return {
    id: node.ID,
    version: node.Version?.Index ?? 0,
    hostname: node.Description?.Hostname ?? '',
    role: node.Spec?.Role ?? 'worker',
    availability: node.Spec?.Availability ?? 'active',
    state: node.Status?.State ?? 'unknown',
    addr: node.Status?.Addr ?? '',
    labels: node.Spec?.Labels ?? {},
    leader: node.ManagerStatus?.Leader === true,
    reachability: node.ManagerStatus?.Reachability,
    managerAddr: node.ManagerStatus?.Addr,
    engineVersion: node.Description?.Engine?.EngineVersion ?? '',
  };
}

/** Every node of the swarm, from a manager. */
export async function listNodes(engine: Engine): Promise<SwarmNode[]> {
  const nodes = await engine.request<NodeAnswer[]>('list the nodes of', 'the swarm', {
    method: 'GET',
    path: '/nodes',
  });
  return nodes.map(toSwarmNode);
}

/** Change a node's labels, role or availability, keeping the rest of its spec (from a manager). */
export async function updateNode(
  engine: Engine,
  nodeId: string,
  change: NodeChange,
): Promise<void> {
  // Read the spec and its version just before: an update must name the version it replaces.
  const current = await engine.request<NodeAnswer>('inspect', `node ${nodeId}`, {
    method: 'GET',
    path: `/nodes/${encodeURIComponent(nodeId)}`,
  });
  const spec: NodeSpec = {
    ...current.Spec,
    ...(change.labels ? { Labels: change.labels } : {}),
    ...(change.role ? { Role: change.role } : {}),
    ...(change.availability ? { Availability: change.availability } : {}),
  };
  await engine.request('update', `node ${nodeId}`, {
    method: 'POST',
    path: `/nodes/${encodeURIComponent(nodeId)}/update?version=${current.Version?.Index ?? 0}`,
    body: spec,
  });
}

/** Remove a node's entry (from a manager); `force` for a node that has not left. */
export async function removeNode(engine: Engine, nodeId: string, force: boolean): Promise<void> {
  await engine.request('remove', `node ${nodeId}`, {
    method: 'DELETE',
    path: `/nodes/${encodeURIComponent(nodeId)}?force=${String(force)}`,
    accept: [404],
  });
}

/** How many Swarm services carry `labels` (a manager's answer). */
export async function countServices(engine: Engine, labels: Labels): Promise<number> {
  const filters = JSON.stringify({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) });
  const services = await engine.request<unknown[]>('list the services of', 'the swarm', {
    method: 'GET',
    path: `/services?filters=${encodeURIComponent(filters)}`,
  });
  return services.length;
}

/** The bridge Swarm creates on every node at init or join, and leaves behind when it leaves. */
const GATEWAY_BRIDGE = 'docker_gwbridge';

/**
 * Remove the node's docker_gwbridge once it left the swarm, unless a container still uses it:
 * the host is left as it was before it joined (Swarm makes the bridge again at the next join).
 */
export async function removeGatewayBridge(engine: Engine): Promise<void> {
  const bridge = await engine.request<{ Containers?: Record<string, unknown> } | undefined>(
    'inspect',
    `network ${GATEWAY_BRIDGE}`,
    { method: 'GET', path: `/networks/${GATEWAY_BRIDGE}`, accept: [404] },
  );
  if (bridge?.Containers === undefined || Object.keys(bridge.Containers).length > 0) return;
  await engine.request('remove', `network ${GATEWAY_BRIDGE}`, {
    method: 'DELETE',
    path: `/networks/${GATEWAY_BRIDGE}`,
    accept: [404],
  });
}

/** How many tasks still run on a node (a drained node's, until Swarm moved them away). */
export async function countRunningTasks(engine: Engine, nodeId: string): Promise<number> {
  const filters = JSON.stringify({ node: [nodeId] });
  const tasks = await engine.request<{ Status?: { State?: string } }[]>(
    'list the tasks of',
    `node ${nodeId}`,
    { method: 'GET', path: `/tasks?filters=${encodeURIComponent(filters)}` },
  );
  return tasks.filter((t) => t.Status?.State === 'running').length;
}
