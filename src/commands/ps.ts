/**
 * `notesctl ps`: one list call per host; service, state, health, ports, image, uptime.
 */
import type { CommandRunner } from '../cli.ts';
import { loadForCommand } from './support/load.ts';
import { LABEL } from '../model/names.ts';
import { formatTable } from '../output/table.ts';
import { withEngine } from './support/engines.ts';
import { servicesByHost } from './support/scope.ts';
import { projectSelector } from '../model/names.ts';
import { compareText } from '../model/order.ts';

/** Run `ps`. */
export const run: CommandRunner = async ({ global, terminal }) => {
  const topology = await loadForCommand(global);
  const rows: Record<string, string>[] = [];
  const now = Date.now();
  for (const [host, services] of servicesByHost(topology, Object.keys(topology.services).sort())) {
    await withEngine(topology, host, global, async (engine) => {
      const containers = await engine.listContainers(projectSelector(topology.project));
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
          uptime:
            c.state === 'running' ? c.status.replace(/^Up /, '').replace(/ \(.*\)$/, '') : '-',
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
    });
  }
  if (global.json) {
    terminal.json(rows);
    return 0;
  }
  terminal.data(
    formatTable(rows, [
      'service',
      'host',
      'state',
      'health',
      'ports',
      'image',
      'uptime',
      'container',
    ]),
  );
  return 0;
};
