/**
 * Which services a command acts on: the ones named (with everything they depend on), or all.
 */
import { UsageError } from '../../errors.ts';
import type { Topology } from '../../model/topology.ts';

/** Services named on the command line plus their dependencies, or every service. */
export function expandScope(topology: Topology, named: string[]): string[] {
  const all = Object.keys(topology.services).sort();
  if (named.length === 0) return all;
  const unknown = named.filter((n) => !(n in topology.services));
  if (unknown.length > 0) {
    throw new UsageError(`unknown service${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
      hint: `Services in ${topology.file}: ${all.join(', ')}.`,
    });
  }
  const result = new Set<string>();
  const visit = (name: string): void => {
    if (result.has(name)) return;
    result.add(name);
    for (const dep of Object.keys(topology.services[name]?.dependsOn ?? {})) visit(dep);
  };
  named.forEach(visit);
  return [...result].sort();
}

/** Check named services exist (without adding dependencies). */
export function checkServices(topology: Topology, named: string[]): string[] {
  const unknown = named.filter((n) => !(n in topology.services));
  if (unknown.length > 0) {
    throw new UsageError(`unknown service${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
      hint: `Services in ${topology.file}: ${Object.keys(topology.services).sort().join(', ')}.`,
    });
  }
  return named.length > 0 ? named : Object.keys(topology.services).sort();
}

/** Group services by the host they are placed on. */
export function servicesByHost(topology: Topology, services: string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const name of services) {
    const host = topology.services[name]?.host ?? 'local';
    groups.set(host, [...(groups.get(host) ?? []), name]);
  }
  return groups;
}
