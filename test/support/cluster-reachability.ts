/**
 * The Notes stack's reachability matrix on a cluster (issue 20): the same pairs as on one host
 * (reachability.ts), from one task of each service to one task of every other — wherever each
 * runs — by service name and by each of the target's overlay addresses. Only services that share
 * a network by design connect; segmentation must hold across nodes as on one.
 */
import Docker from 'dockerode';
import type { TestHost } from '../bed/hosts.ts';
import { connectCommand, execIn } from './container-exec.ts';
import { ALLOWED, PORTS, type Matrix } from './reachability.ts';

interface Task {
  docker: Docker;
  id: string;
  /** Network name → IP. */
  networks: Record<string, string>;
}

/** One running container of each service of `project`, from every host's engine. */
async function oneTaskEach(hosts: TestHost[], project: string): Promise<Map<string, Task>> {
  const tasks = new Map<string, Task>();
  for (const host of hosts) {
    const docker = new Docker({ socketPath: host.dockerSocket });
    const list = await docker.listContainers({
      filters: JSON.stringify({ label: [`io.notesctl.project=${project}`], status: ['running'] }),
    });
    for (const summary of list) {
      const service = summary.Labels['io.notesctl.service'] ?? '';
      if (tasks.has(service)) continue;
      const inspected = await docker.getContainer(summary.Id).inspect();
      const networks = Object.fromEntries(
        Object.entries(inspected.NetworkSettings.Networks).map(([n, s]) => [n, s.IPAddress]),
      );
      tasks.set(service, { docker, id: summary.Id, networks });
    }
  }
  return tasks;
}

/** Try every pair; `actual` and `expected` as in reachabilityMatrix. */
export async function clusterMatrix(hosts: TestHost[], project: string): Promise<Matrix> {
  const tasks = await oneTaskEach(hosts, project);
  const rows = await Promise.all(
    [...tasks].map(async ([from, source]) => {
      const out: { actual: string; expected: string }[] = [];
      for (const [to, target] of tasks) {
        if (to === from || to === 'edge-proxy') continue;
        const byName = from === 'edge-proxy' ? [] : [to];
        for (const address of [...byName, ...Object.values(target.networks)]) {
          const hasNode = from === 'notes' || from === 'userauth';
          const cmd = connectCommand(hasNode, address, PORTS[to] ?? 0);
          const code = await execIn(source.docker, source.id, cmd);
          const shared =
            address === to ||
            Object.entries(target.networks).some(
              ([network, ip]) => ip === address && network in source.networks,
            );
          const open = ALLOWED.has(`${from}>${to}`) && shared;
          out.push({
            actual: `${from}>${to} ${address}: ${code === 0 ? 'open' : 'closed'}`,
            expected: `${from}>${to} ${address}: ${open ? 'open' : 'closed'}`,
          });
        }
      }
      return out;
    }),
  );
  return {
    actual: rows
      .flat()
      .map((r) => r.actual)
      .sort(),
    expected: rows
      .flat()
      .map((r) => r.expected)
      .sort(),
  };
}
