/**
 * What `backup [SERVICE…]` saves (issue 23), decided from the topology alone (pure): a logical
 * dump of each MariaDB/MySQL service, and a tar of every other named volume. A database
 * service's own volumes are left out — the dump is their consistent copy; a tar of a live
 * database's files is not one.
 */
import { UsageError } from '../errors.ts';
import type { Topology } from '../model/topology.ts';
import { databaseLogin, isDatabaseService, type DatabaseLogin } from './mariadb.ts';

/** One thing to back up, on the host it lives on. */
export type BackupItem =
  | { kind: 'database'; host: string; login: DatabaseLogin }
  | {
      kind: 'volume';
      host: string;
      volume: string;
      /** The services mounting it (their instances are held while it is copied). */
      usedBy: string[];
    };

/** The items of a backup of `named` services (none: everything), in name order. */
export function planBackup(topology: Topology, named: string[]): BackupItem[] {
  const all = Object.keys(topology.services).sort();
  const unknown = named.filter((n) => !(n in topology.services));
  if (unknown.length > 0) {
    throw new UsageError(
      `backup: unknown service${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
      {
        hint: `Services in ${topology.file}: ${all.join(', ')}.`,
      },
    );
  }
  const scope = named.length > 0 ? [...new Set(named)].sort() : all;
  const items: BackupItem[] = [];
  const volumes = new Map<string, { host: string; usedBy: string[] }>();
  const dumped = new Set<string>();
  for (const name of all) {
    const service = topology.services[name];
    if (!service || !isDatabaseService(service)) continue;
    for (const mount of service.volumes) dumped.add(mount.volume);
  }
  for (const name of scope) {
    const service = topology.services[name];
    if (!service) continue;
    if (isDatabaseService(service)) {
      const login = databaseLogin(service);
      if (typeof login === 'string') {
        throw new UsageError(`backup: cannot dump ${name}: ${login}`, {
          hint: `See services.${name} in ${topology.file}.`,
        });
      }
      items.push({ kind: 'database', host: service.host, login });
      continue;
    }
    for (const mount of service.volumes) {
      if (dumped.has(mount.volume)) continue;
      const usedBy = all.filter((s) =>
        topology.services[s]?.volumes.some((m) => m.volume === mount.volume),
      );
      volumes.set(mount.volume, { host: service.host, usedBy });
    }
  }
  for (const [volume, { host, usedBy }] of [...volumes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    items.push({ kind: 'volume', host, volume, usedBy });
  }
  if (items.length === 0) {
    throw new UsageError(
      `backup: nothing to back up in ${named.length > 0 ? named.join(', ') : topology.project}`,
      {
        hint: 'A backup covers MariaDB/MySQL services (image mariadb or mysql) and named volumes.',
      },
    );
  }
  return items;
}

/** The service or volume an item is named after (in file names and messages). */
export function itemName(item: BackupItem): string {
  return item.kind === 'database' ? item.login.service : item.volume;
}
