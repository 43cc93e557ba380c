/**
 * A container as `ps` shows it: its service, state, health, published ports, image, uptime.
 */
import type { ContainerSummary } from '../../engine/engine.ts';
import { LABEL } from '../../model/names.ts';
import type { InstanceStatus } from '../target.ts';

/** The status of one container of the project. */
export function instanceStatus(c: ContainerSummary): InstanceStatus {
  return {
    service: c.labels[LABEL.service] ?? '?',
    instance: c.name,
    state: c.state,
    health: c.health,
    ports: c.ports.map(
      (p) =>
        `${p.hostIp && p.hostIp !== '0.0.0.0' ? `${p.hostIp}:` : ''}${p.hostPort}->${p.containerPort}/${p.protocol}`,
    ),
    image: c.image,
    uptime:
      c.state === 'running' ? c.status.replace(/^Up /, '').replace(/ \(.*\)$/, '') : undefined,
    createdAt: c.createdAt,
  };
}
