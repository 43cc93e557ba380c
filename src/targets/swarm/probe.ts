/**
 * Does traffic cross nodes on an overlay network? (issue 20). An encrypted overlay whose IPsec
 * data plane is dead (a kernel without ESP, a firewall dropping ESP or UDP 4789) fails silently
 * in Docker: connections just time out. The probe opens a TCP connection from a task on one node
 * to a task on another, on port 1: a refusal (RST) or an answer proves packets crossed; only a
 * timeout means they did not. It runs in a task that is already there, with the shell or Node
 * its image has — no image of our own to ship.
 */
import { listNodes } from '../../engine/swarm-nodes.ts';
import { RuntimeError } from '../../errors.ts';
import {
  listOverlays,
  listServices,
  listTasks,
  type SwarmTask,
} from '../../engine/swarm-services.ts';
import { projectSelector } from '../../model/names.ts';
import { NODE_LABEL } from '../../model/cluster-names.ts';
import type { SwarmExecution } from './execute.ts';

/** Seconds a probe connection may take before the data plane counts as dead. */
const PROBE_TIMEOUT_S = 3;
/** Connections tried before the data plane counts as dead. */
const PROBE_TRIES = 3;

/**
 * Commands that connect to IP:1 and exit 0 when anything answered (refused included), 1 on a
 * timeout, 127 when the tool is missing: bash's /dev/tcp, then Node.
 */
function probeCommands(ip: string): string[][] {
  const bash = `timeout ${PROBE_TIMEOUT_S} bash -c 'exec 3<>/dev/tcp/${ip}/1' 2>&1; rc=$?; [ $rc -eq 124 ] && exit 1; [ $rc -eq 127 ] && exit 127; exit 0`;
  const node = `const s=require('net').connect(1,'${ip}');s.setTimeout(${PROBE_TIMEOUT_S * 1000},()=>process.exit(1));s.on('connect',()=>process.exit(0));s.on('error',e=>process.exit(e.code==='ECONNREFUSED'?0:1))`;
  return [
    ['sh', '-c', `command -v bash >/dev/null || exit 127; ${bash}`],
    ['node', '-e', node],
  ];
}

/** Running tasks of the project on `network`, one per node (host name → task). */
async function tasksByHost(x: SwarmExecution, network: string): Promise<Map<string, SwarmTask>> {
  const [nodes, services] = await Promise.all([
    listNodes(x.manager),
    listServices(x.manager, projectSelector(x.project)),
  ]);
  // Only nodes that are up: a down node's tasks still read `running` until Swarm replaces them.
  const hostOf = new Map(
    nodes
      .filter((n) => n.state === 'ready')
      .map((n) => [n.id, n.labels[NODE_LABEL.host] ?? n.hostname]),
  );
  const tasks = await listTasks(
    x.manager,
    services.map((s) => s.spec.Name),
  );
  const byHost = new Map<string, SwarmTask>();
  for (const task of tasks) {
    if (task.state !== 'running' || task.desiredState !== 'running') continue;
    if (task.addresses[network] === undefined) continue;
    const host = hostOf.get(task.nodeId);
    if (host !== undefined && !byHost.has(host)) byHost.set(host, task);
  }
  return byHost;
}

/** Run the probe in `from` (on `fromHost`) towards `to`: true when traffic crossed. */
async function crosses(
  x: SwarmExecution,
  fromHost: string,
  from: SwarmTask,
  ip: string,
): Promise<boolean | undefined> {
  const engine = x.nodes.get(fromHost);
  if (!engine || !from.containerId) return undefined;
  for (const cmd of probeCommands(ip)) {
    const code = await engine.exec(from.containerId, { cmd, signal: x.signal }).catch(() => 127);
    if (code === 0) return true;
    if (code === 1) return false;
  }
  return undefined;
}

/** The message for a dead data plane between two hosts. */
function deadPlane(network: string, encrypted: boolean, a: string, b: string): string {
  return encrypted
    ? `encrypted overlay ${network}: no traffic between ${a} and ${b} — the kernel may lack IPsec ESP, or a firewall drops ESP (IP protocol 50) between them; set \`encrypted: false\` on the network to run unencrypted`
    : `overlay ${network}: no traffic between ${a} and ${b} — UDP 4789 (VXLAN) must be open between the nodes`;
}

/**
 * Probe `network` between the first node with a task on it and every other such node; throw when
 * one cannot be reached. With tasks on one node only there is nothing to cross: it says so.
 */
export async function probeOverlay(
  x: SwarmExecution,
  network: string,
  encrypted: boolean,
  progress: (text: string) => void,
): Promise<void> {
  const byHost = await tasksByHost(x, network);
  const [first, ...others] = [...byHost.entries()];
  if (!first || others.length === 0) {
    progress(`${network}: tasks on ${byHost.size} node(s), nothing crosses nodes yet`);
    return;
  }
  for (const [host, task] of others) {
    const ip = task.addresses[network] ?? '';
    // A dead data plane fails every try; a busy moment (a new overlay's first packets, a loaded
    // node) fails one at most.
    let ok = await crosses(x, first[0], first[1], ip);
    for (let retry = 1; ok === false && retry < PROBE_TRIES; retry++) {
      progress(`${network}: no answer from ${host} yet (try ${retry + 1} of ${PROBE_TRIES})`);
      ok = await crosses(x, first[0], first[1], ip);
    }
    if (ok === false) throw new RuntimeError(deadPlane(network, encrypted, first[0], host));
    if (ok === undefined)
      progress(`${network}: no shell or Node in ${first[0]}'s task to probe with; not checked`);
  }
}

/** After a service failed to start: probe its networks, and say what is dead, if anything. */
export async function probeServiceNetworks(
  x: SwarmExecution,
  serviceName: string,
): Promise<string | undefined> {
  const labels = projectSelector(x.project);
  const [services, overlays] = await Promise.all([
    listServices(x.manager, labels),
    listOverlays(x.manager, labels),
  ]);
  const service = services.find((s) => s.spec.Name === serviceName);
  for (const attachment of service?.spec.TaskTemplate.Networks ?? []) {
    const encrypted = overlays.find((o) => o.name === attachment.Target)?.encrypted ?? false;
    try {
      await probeOverlay(x, attachment.Target, encrypted, () => undefined);
    } catch (error) {
      if (error instanceof RuntimeError) return error.message;
    }
  }
  return undefined;
}
