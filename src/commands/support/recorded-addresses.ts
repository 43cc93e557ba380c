/**
 * The addresses of the hosts a topology deploys to without declaring them (recorded by
 * `provision`, named by `host:` or `--host`): what `up`'s summary prints in the URLs where the
 * app answers, instead of the record's name (`http://web1:3000/` reached nothing).
 */
import type { Topology } from '../../model/topology.ts';
import { readHost } from '../../hosts/store.ts';

/** Host name → address, for every host of `topology`'s services that only the store knows. */
export async function recordedAddresses(topology: Topology): Promise<Record<string, string>> {
  const names = new Set(Object.values(topology.services).map((s) => s.host));
  const found: Record<string, string> = {};
  for (const name of names) {
    if (name === 'local' || topology.hosts[name] || topology.clusters[name]) continue;
    const record = await readHost(name).catch(() => undefined);
    if (record) found[name] = record.hostname;
  }
  return found;
}
