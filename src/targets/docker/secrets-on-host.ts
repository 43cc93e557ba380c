/**
 * Two operators, two secret stores (issue 23). A generated secret lives in the store of the
 * machine that first deployed it; an operator whose store lacks it used to generate a value of
 * its own and hand it to the services — a database set up with the first value then refused
 * the apps. The containers on the host hold the value already (as the secret file the service
 * receives), so a generated secret missing from this machine's store is read from there and
 * kept in the store, and the services keep their values.
 */
import type { Engine, ContainerSummary } from '../../engine/engine.ts';
import { LABEL } from '../../model/names.ts';
import type { Topology } from '../../model/topology.ts';

/** Values of the generated secrets `missing` that the project's containers on the host hold. */
export async function secretsOnHost(
  engine: Engine,
  topology: Topology,
  containers: ContainerSummary[],
  missing: string[],
): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  await Promise.all(
    missing.map(async (secret) => {
      for (const c of containers) {
        const service = topology.services[c.labels[LABEL.service] ?? ''];
        const mount = service?.secrets.find((m) => m.secret === secret);
        if (!mount || found.has(secret)) continue;
        const value = await engine.readFile(c.id, mount.target).catch(() => undefined);
        if (value !== undefined && value.length > 0) found.set(secret, value);
      }
    }),
  );
  return found;
}
