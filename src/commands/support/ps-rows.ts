/**
 * The rows of `notesctl ps` for one host: one per container of the project (a service no longer
 * in the topology marked as an orphan), then one per service placed there that has none.
 */
import type { ContainerSummary } from '../../engine/engine.ts';
import { LABEL } from '../../model/names.ts';
import { compareText } from '../../model/order.ts';

/** The columns `ps` prints, in order (the JSON output has `created` too). */
export const PS_COLUMNS = [
  'service',
  'host',
  'state',
  'health',
  'ports',
  'image',
  'uptime',
  'container',
];

/** Rows for `host`, where `services` are placed and `containers` were listed at `now`. */
export function psRows(
  host: string,
  services: string[],
  containers: ContainerSummary[],
  now: number,
): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  const seen = new Set<string>();
  for (const c of containers.sort((a, b) => compareText(a.name, b.name))) {
    const service = c.labels[LABEL.service] ?? '?';
    seen.add(service);
    rows.push({
      service: services.includes(service) ? service : `${service} (orphan)`,
      host,
      container: c.name,
      state: c.state,
      health: c.health ?? '-',
      ports:
        c.ports
          .map(
            (p) =>
              `${p.hostIp && p.hostIp !== '0.0.0.0' ? `${p.hostIp}:` : ''}${p.hostPort}->${p.containerPort}/${p.protocol}`,
          )
          .join(', ') || '-',
      image: c.image,
      uptime: c.state === 'running' ? c.status.replace(/^Up /, '').replace(/ \(.*\)$/, '') : '-',
      created: `${Math.round((now - c.createdAt.getTime()) / 1000)}s ago`,
    });
  }
  for (const service of services) {
    if (!seen.has(service))
      rows.push({
        service,
        host,
        container: '-',
        state: 'not created',
        health: '-',
        ports: '-',
        image: '-',
        uptime: '-',
        created: '-',
      });
  }
  return rows;
}
