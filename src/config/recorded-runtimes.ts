/**
 * Hosts the file declares that are also recorded by `notesctl provision ssh --runtime` (issue
 * 21): without `runtime:` in the file, such a host runs what it was provisioned for, as if the
 * file said so — every rule and normalisation then reads one runtime. A `runtime:` that says
 * otherwise is a mistake in one of the two and is reported at the key, naming both.
 */
import type { Runtime } from '../model/topology.ts';
import type { Problems } from './problems.ts';
import type { RawTopology } from './schema.ts';

/** `raw` with the recorded runtime filled in where the file gives none; disagreements reported. */
export function applyRecordedRuntimes(
  raw: Partial<RawTopology>,
  hostRuntimes: Record<string, Runtime>,
  problems: Problems,
): Partial<RawTopology> {
  if (!raw.hosts) return raw;
  const hosts: NonNullable<RawTopology['hosts']> = {};
  for (const [name, host] of Object.entries(raw.hosts)) {
    const recorded = hostRuntimes[name];
    if (recorded !== undefined && host.runtime !== undefined && host.runtime !== recorded) {
      problems.report(
        ['hosts', name, 'runtime'],
        `"${host.runtime}" here, but host ${name} was provisioned for runtime ${recorded} (notesctl hosts show ${name}) — remove runtime: to deploy with ${recorded}, or provision ${name} again for ${host.runtime}`,
      );
    }
    hosts[name] = { ...host, runtime: host.runtime ?? recorded };
  }
  return { ...raw, hosts };
}
