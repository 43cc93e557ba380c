/**
 * Every host notesctl knows for the `hosts` commands: the topology's (when a topology file is
 * there and valid) and the store's. A broken or absent topology never blocks managing the store.
 */
import { existsSync } from 'node:fs';
import { loadTopology } from '../config/index.ts';
import { ConfigError } from '../errors.ts';
import type { Topology } from '../model/topology.ts';
import type { Terminal } from '../output/terminal.ts';
import { describeEndpoint } from '../engine/ssh/endpoint.ts';
import { listHosts, type HostRecord } from './store.ts';
import { compareText } from '../model/order.ts';

/** One row of `hosts ls`. */
export interface HostRow {
  name: string;
  driver: string;
  /** What runs its services: docker, systemd or pm2 (issue 21). */
  runtime: string;
  address: string;
  source: string;
  docker: string;
}

/** The topology if the file exists and is valid; a warning otherwise. */
export async function optionalTopology(
  file: string,
  terminal: Terminal,
): Promise<Topology | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    // Recorded hosts are valid placements and cluster members, as for every other command.
    const records = await listHosts();
    const knownHosts = records.map((r) => r.name);
    const hostRuntimes = Object.fromEntries(
      records.flatMap((r) => (r.runtime ? [[r.name, r.runtime] as const] : [])),
    );
    return await loadTopology(file, { knownHosts, hostRuntimes });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    terminal.warn(`${file} not read (${error.message}); only recorded hosts are shown`);
    return undefined;
  }
}

/** Rows for every known host, by name; a topology entry wins over a record of the same name. */
export async function hostRows(topology: Topology | undefined): Promise<HostRow[]> {
  const records = new Map((await listHosts()).map((r) => [r.name, r]));
  const rows: HostRow[] = [];
  for (const host of Object.values(topology?.hosts ?? {})) {
    const record = records.get(host.name);
    rows.push({
      name: host.name,
      driver: record?.driver ?? 'ssh',
      runtime: host.runtime,
      address: describeEndpoint(host),
      source: record ? 'topology + store' : 'topology',
      docker: record?.dockerVersion ?? '-',
    });
    records.delete(host.name);
  }
  for (const record of records.values()) rows.push(recordRow(record));
  return rows.sort((a, b) => compareText(a.name, b.name));
}

function recordRow(record: HostRecord): HostRow {
  return {
    name: record.name,
    driver: record.driver,
    runtime: record.runtime ?? 'docker',
    address: describeEndpoint(record),
    source: 'store',
    docker: record.dockerVersion ?? '-',
  };
}
