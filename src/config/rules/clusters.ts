/**
 * Rules for `clusters:` (issue 20): members are SSH hosts running Docker, each in one cluster
 * once; a cluster's name is not also a host's; raft needs an odd number of managers; the edge
 * nodes are members.
 */
import { LOCAL_HOST } from '../../model/topology.ts';
import { type Rule, runtimeOfHost, unknownName } from './context.ts';

/** Check every cluster's members, name and edge nodes. */
export const checkClusters: Rule = (context) => {
  const { raw, declared, knownHosts, problems } = context;
  const hosts = [...new Set([...declared.hosts, ...knownHosts])].filter((h) => h !== LOCAL_HOST);
  const memberOf = new Map<string, string>();
  for (const [name, cluster] of Object.entries(raw.clusters ?? {})) {
    if (name === LOCAL_HOST || declared.hosts.includes(name) || knownHosts.includes(name)) {
      problems.report(
        ['clusters', name],
        `"${name}" is already a host's name — a cluster needs a name of its own (services choose one or the other in host:)`,
        'key',
      );
    }
    const roles: [string, string[]][] = [
      ['managers', cluster.managers],
      ['workers', cluster.workers ?? []],
    ];
    for (const [role, members] of roles) {
      members.forEach((host, i) => {
        const at = ['clusters', name, role, i];
        if (host === LOCAL_HOST) {
          problems.report(
            at,
            'a cluster is made of SSH hosts; "local" (this machine) cannot join one — declare the machine under hosts:',
          );
        } else if (!hosts.includes(host)) {
          problems.report(at, unknownName('host', host, hosts, 'hosts'));
        } else if (memberOf.has(host)) {
          problems.report(
            at,
            `host "${host}" is already a member of ${memberOf.get(host) === name ? 'this cluster' : `cluster "${memberOf.get(host) ?? ''}"`} — a host joins one cluster, once`,
          );
        } else if (runtimeOfHost(context, host) !== 'docker') {
          const runtime = runtimeOfHost(context, host);
          problems.report(
            at,
            context.hostRuntimes[host] === runtime
              ? `host "${host}" was provisioned for runtime ${runtime} (no Docker) — cluster members run Docker (leave it out of the cluster, or provision a Docker host)`
              : `host "${host}" has runtime: ${runtime} — cluster members run Docker (remove its runtime: or leave it out of the cluster)`,
          );
        } else {
          memberOf.set(host, name);
        }
      });
    }
    const managers = cluster.managers.length;
    if (managers === 0) {
      problems.report(['clusters', name, 'managers'], 'a cluster needs at least one manager');
    } else if (managers % 2 === 0) {
      problems.report(
        ['clusters', name, 'managers'],
        `${managers} managers tolerate no more failures than ${managers - 1} (raft needs a majority) — use an odd number: 1, 3 or 5`,
      );
    }
    const members = [...cluster.managers, ...(cluster.workers ?? [])];
    cluster.edge?.forEach((host, i) => {
      if (!members.includes(host)) {
        problems.report(
          ['clusters', name, 'edge', i],
          `edge node "${host}" is not a member of cluster "${name}" — list it under managers or workers`,
        );
      }
    });
  }
};
