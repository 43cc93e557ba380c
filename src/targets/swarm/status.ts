/**
 * The project's tasks on a cluster as `ps` lists them (issue 20): one row per task that should
 * run or still does, naming its node, with desired vs current state when they differ.
 */
import { listNodes } from '../../engine/swarm-nodes.ts';
import type { Engine } from '../../engine/engine.ts';
import { listServices, listTasks } from '../../engine/swarm-services.ts';
import { NODE_LABEL } from '../../model/cluster-names.ts';
import { LABEL, projectSelector } from '../../model/names.ts';
import type { InstanceStatus } from '../target.ts';

/** How long ago `since` was, in words (`12 seconds`, `3 minutes`, `2 hours`). */
function ago(since: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - since.getTime()) / 1000));
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  if (s < 3600) return `${Math.round(s / 60)} minute${Math.round(s / 60) === 1 ? '' : 's'}`;
  return `${Math.round(s / 3600)} hour${Math.round(s / 3600) === 1 ? '' : 's'}`;
}

/** Every live task of the project (desired running, or not yet shut down). */
export async function swarmStatus(manager: Engine, project: string): Promise<InstanceStatus[]> {
  const [services, nodes] = await Promise.all([
    listServices(manager, projectSelector(project)),
    listNodes(manager),
  ]);
  const tasks = await listTasks(
    manager,
    services.map((s) => s.spec.Name),
  );
  const hostOf = new Map(nodes.map((n) => [n.id, n.labels[NODE_LABEL.host] ?? n.hostname]));
  const byId = new Map(services.map((s) => [s.id, s]));
  const readyNodes = new Set(nodes.filter((n) => n.state === 'ready').map((n) => n.id));
  const now = new Date();
  return tasks
    .filter((t) => t.desiredState === 'running' || ['running', 'starting'].includes(t.state))
    .map((t) => {
      const service = byId.get(t.serviceId);
      const name = service?.spec.Name ?? t.serviceId;
      const since = new Date(t.timestamp);
      const nodeUp = readyNodes.has(t.nodeId);
      const state = !nodeUp
        ? `${t.state} (node down)`
        : t.state === t.desiredState
          ? t.state
          : `${t.state} (desired ${t.desiredState})`;
      return {
        service: service?.spec.Labels[LABEL.service] ?? '?',
        instance: `${name}.${t.slot ?? t.id.slice(0, 8)}@${hostOf.get(t.nodeId) ?? '?'}`,
        state,
        // A task with a health check is `starting` until it passes, then `running`.
        health: t.state === 'starting' ? 'starting' : undefined,
        ports: (service?.spec.EndpointSpec.Ports ?? []).map(
          (p) => `${p.PublishedPort}->${p.TargetPort}/${p.Protocol}`,
        ),
        image: t.image.slice(0, 19),
        uptime: t.state === 'running' ? ago(since, now) : undefined,
        createdAt: since,
      };
    });
}
