/**
 * `down` on a plain server (issue 21), systemd or PM2 alike: stop and remove each app; with
 * --volumes also drop the databases, take the project's ports out of the host's firewall and
 * remove its folders and /etc/hosts block.
 */
import type { Shell } from '../../engine/shell.ts';
import type { Topology } from '../../model/topology.ts';
import type { PlannedOperation } from '../../plan/types.ts';
import type { PlannedDown } from '../target.ts';
import { firewallOperation } from './firewall.ts';
import { databaseServices, type PlainRuntime } from './plan-up.ts';
import { dropDatabaseScript, purgeProjectScript } from './scripts.ts';

/** Plan `down` (observes the server once). */
export async function planPlainDown(
  shell: Shell,
  topology: Topology,
  host: string,
  plain: PlainRuntime,
  volumes: boolean,
): Promise<PlannedDown> {
  const { project } = topology;
  const observed = await plain.observe(shell, project);
  const { steps } = await plain.prepare(observed.nodes.at(-1) ?? '', observed);
  const ops: PlannedOperation[] = observed.units.map((u) => ({
    id: `remove:${u.service}`,
    operation: {
      kind: 'host-step',
      service: u.service,
      title: `stop, disable and remove ${u.unit}`,
      script: steps.removeScript(project, u.service, u.unit),
      input: undefined,
    },
    after: [],
    cause: 'down',
  }));
  const removals = ops.map((o) => o.id);
  if (volumes) {
    for (const service of databaseServices(topology, host)) {
      if (!observed.databases.has(service)) continue;
      const env = topology.services[service]?.env ?? {};
      const database = env.MARIADB_DATABASE ?? env.MYSQL_DATABASE ?? service;
      const user = env.MARIADB_USER ?? env.MYSQL_USER ?? service;
      ops.push({
        id: `drop:${service}`,
        operation: {
          kind: 'host-step',
          service,
          title: `drop database ${database} and user ${user} (${service}; its data is deleted)`,
          script: dropDatabaseScript(project, service, database, user),
          input: undefined,
        },
        after: removals,
        cause: 'down --volumes',
      });
    }
    // The project's ports leave the host's firewall before its folder goes (issue 21).
    const firewall = firewallOperation(project, undefined, observed.firewall);
    if (firewall) ops.push({ ...firewall, after: removals, cause: 'down --volumes' });
    ops.push({
      id: 'purge',
      operation: {
        kind: 'host-step',
        service: undefined,
        title: `remove the project's releases, settings, state folders and /etc/hosts block`,
        script: purgeProjectScript(project),
        input: undefined,
      },
      after: ops.map((o) => o.id),
      cause: 'down --volumes',
    });
  }
  return {
    plan: { project, host: host, operations: ops, unchanged: [], orphans: [] },
    found: { containers: observed.units.length, networks: 0, volumes: observed.databases.size },
  };
}
