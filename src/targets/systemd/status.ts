/** `ps` rows of a plain server, from systemd's own state (issue 21). */
import type { Topology } from '../../model/topology.ts';
import type { InstanceStatus } from '../target.ts';
import { isDatabase } from './desired.ts';
import type { SystemdObserved } from './observe.ts';

function ago(sinceUs: number, now: number): string | undefined {
  if (sinceUs <= 0) return undefined;
  const s = Math.max(0, Math.round((now - sinceUs / 1000) / 1000));
  if (s < 60) return `${s} seconds`;
  if (s < 3600) return `${Math.round(s / 60)} minutes`;
  if (s < 86_400) return `${Math.round(s / 3600)} hours`;
  return `${Math.round(s / 86_400)} days`;
}

/** What a service listens on for others: published ports, or an http: service's own port. */
function portsOf(topology: Topology, service: string): string[] {
  const s = topology.services[service];
  if (!s) return [];
  const published = s.ports.map((p) => `${p.hostIp ?? '0.0.0.0'}:${p.hostPort}/${p.protocol}`);
  return s.http ? [...published, `0.0.0.0:${s.http.port}/tcp`] : published;
}

function mib(bytes: number | undefined): string {
  return bytes === undefined ? '-' : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * One row per unit; database services share the MariaDB server's row. State is systemd's
 * `ActiveState (SubState)`; the health column carries restarts and memory, which a unit has
 * and a container's health does not.
 */
export function systemdStatus(
  topology: Topology,
  host: string,
  observed: SystemdObserved,
  now = Date.now(),
): InstanceStatus[] {
  const rows: InstanceStatus[] = observed.units.map((u) => ({
    service: u.service,
    instance: u.unit,
    state: `${u.active} (${u.sub})`,
    health: `restarts ${u.restarts}, ${mib(u.memoryBytes)}`,
    ports: portsOf(topology, u.service),
    image: `release ${u.release}`,
    uptime: u.active === 'active' ? ago(u.sinceUs, now) : undefined,
    createdAt: new Date(u.sinceUs / 1000),
  }));
  for (const service of Object.values(topology.services)) {
    if (service.host !== host || !isDatabase(service) || !observed.databases.has(service.name))
      continue;
    rows.push({
      service: service.name,
      instance: 'mariadb.service',
      state: observed.mariadb.active,
      health: '-',
      ports: ['127.0.0.1:3306/tcp'],
      image: 'mariadb (distribution)',
      uptime: undefined,
      createdAt: new Date(now),
    });
  }
  return rows;
}
