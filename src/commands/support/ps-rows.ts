/**
 * The rows of `notesctl ps` for one host: one per container of the project (a service no longer
 * in the topology marked as an orphan), then one per service placed there that has none.
 */
import { PROXY_SERVICE } from '../../proxy/names.ts';
import { compareText } from '../../model/order.ts';
import type { InstanceStatus } from '../../targets/target.ts';

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

/** Rows for `host`, where `services` are placed and `instances` were listed at `now`. */
export function psRows(
  host: string,
  services: string[],
  instances: InstanceStatus[],
  now: number,
): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  const seen = new Set<string>();
  for (const c of instances.sort((a, b) => compareText(a.instance, b.instance))) {
    seen.add(c.service);
    rows.push({
      // The edge proxy of a cluster is one of the project's services there (issue 20).
      service:
        services.includes(c.service) || c.service === PROXY_SERVICE
          ? c.service
          : `${c.service} (orphan)`,
      host,
      container: c.instance,
      state: c.state,
      health: c.health ?? '-',
      ports: c.ports.join(', ') || '-',
      image: c.image,
      uptime: c.uptime ?? '-',
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
