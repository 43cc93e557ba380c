/**
 * The Notes stack's reachability matrix (issues 5 and 7): from inside each container, a TCP
 * connect to every other service's port — by service name and by each of its IPs — and what the
 * secure layout says should happen: only services that share a network by design connect.
 */
import type Docker from 'dockerode';
import { connectCommand, execIn } from './container-exec.ts';

/** The port each service listens on. */
export const PORTS: Record<string, number> = {
  'db-notes': 3306,
  'db-userauth': 3306,
  userauth: 3333,
  notes: 3000,
};

/** from>to pairs that share a network by design (notes↔db-notes, notes↔userauth, userauth↔db-userauth). */
export const ALLOWED = new Set([
  'notes>db-notes',
  'notes>userauth',
  'userauth>notes',
  'userauth>db-userauth',
  'db-notes>notes',
  'db-userauth>userauth',
  // The edge proxy (issue 19) shares the project's edge network with notes alone.
  'edge-proxy>notes',
]);

type Inspected = Docker.ContainerInspectInfo;

/** True when `address` is the target's IP on a network the source is also on. */
function sharesNetwork(source: Inspected, target: Inspected, address: string): boolean {
  return Object.entries(target.NetworkSettings.Networks).some(
    ([name, n]) => n.IPAddress === address && name in source.NetworkSettings.Networks,
  );
}

/** Each attempt as `from>to address: open|closed`, as seen and as the layout expects it. */
export interface Matrix {
  actual: string[];
  expected: string[];
}

/**
 * Try every pair from inside the containers (`ids`: container id by service) on `docker`;
 * `byName` adds an attempt by service name (network alias) before the IPs. With `proxy` (the
 * edge proxy's container), it is tried as a source too, by IP (it knows services by release).
 */
export async function reachabilityMatrix(
  docker: Docker,
  ids: Map<string, string>,
  byName: boolean,
  proxy?: string,
): Promise<Matrix> {
  const inspected = new Map(
    await Promise.all(
      [...ids].map(async ([s, id]) => [s, await docker.getContainer(id).inspect()] as const),
    ),
  );
  const sources = new Map(inspected);
  if (proxy !== undefined) sources.set('edge-proxy', await docker.getContainer(proxy).inspect());
  const rows = await Promise.all(
    [...sources].map(async ([from, source]) => {
      const hasNode = from === 'notes' || from === 'userauth';
      const out: { actual: string; expected: string }[] = [];
      for (const [to, target] of inspected) {
        if (to === from) continue;
        const ips = Object.values(target.NetworkSettings.Networks).map((n) => n.IPAddress);
        const names = byName && from !== 'edge-proxy' ? [to] : [];
        for (const address of [...names, ...ips]) {
          const code = await execIn(
            docker,
            source.Id,
            connectCommand(hasNode, address, PORTS[to] ?? 0),
          );
          const open =
            ALLOWED.has(`${from}>${to}`) &&
            (address === to || sharesNetwork(source, target, address));
          out.push({
            actual: `${from}>${to} ${address}: ${code === 0 ? 'open' : 'closed'}`,
            expected: `${from}>${to} ${address}: ${open ? 'open' : 'closed'}`,
          });
        }
      }
      return out;
    }),
  );
  return { actual: rows.flat().map((r) => r.actual), expected: rows.flat().map((r) => r.expected) };
}
