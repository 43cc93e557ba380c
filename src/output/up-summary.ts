/**
 * What `up` prints at the end: one line per host, orphans, where the app answers.
 */
import type { HttpRoute, Topology } from '../model/topology.ts';
import { isMutating, type Plan } from '../plan/types.ts';
import type { ShipResult } from '../ship/ship.ts';
import type { RecordedRelease, ReleaseShipment } from '../targets/target.ts';
import type { Terminal } from './terminal.ts';

/** The outcome of `up` on one host. */
export interface UpResult {
  plan: Plan;
  images: { service: string; action: 'build' | 'pull' | 'ship'; ref: string }[];
  /** What shipping images to a remote engine (or releases to a plain server) sent. */
  shipped: (ShipResult | ReleaseShipment)[];
  /** The release recorded on the host, if the up changed a service. */
  recorded?: RecordedRelease | undefined;
}

/** Print the summary (JSON on stdout with --json); `recorded`: addresses of undeclared hosts. */
export function summarizeUp(
  terminal: Terminal,
  topology: Topology,
  results: UpResult[],
  recorded: Record<string, string> = {},
): void {
  if (terminal.options.json) {
    terminal.json(
      results.map((r) => ({
        project: r.plan.project,
        host: r.plan.host,
        changes: r.plan.operations.filter((o) => isMutating(o.operation)).length,
        images: r.images,
        shipped: r.shipped,
        unchanged: r.plan.unchanged,
        orphans: r.plan.orphans,
        release: r.recorded?.release.id,
        removedImages: r.recorded?.removedImages ?? [],
      })),
    );
    return;
  }
  for (const { plan, images, recorded } of results) {
    const changes = plan.operations.filter((o) => isMutating(o.operation)).length + images.length;
    const release = recorded ? `, release ${recorded.release.id}` : '';
    terminal.info(
      changes === 0
        ? `${plan.project} on ${plan.host}: up to date (${plan.unchanged.length} services running)`
        : `${plan.project} on ${plan.host}: ${changes} change(s) applied${release}`,
    );
    if (recorded && recorded.removedImages.length > 0)
      terminal.info(
        `removed ${recorded.removedImages.length} image(s) no kept release runs: ${recorded.removedImages.join(', ')}`,
      );
    for (const service of plan.starting ?? []) {
      // An unchanged `up` reads only; it does not probe. Say what Docker's own check says.
      terminal.warn(
        `${service} is running but its health check has not passed yet (see \`notesctl ps\`)`,
      );
    }
    for (const orphan of plan.orphans) {
      terminal.warn(
        `orphan container ${orphan.containerName}: service "${orphan.service}" is no longer in the topology (remove with \`notesctl up --remove-orphans\`)`,
      );
    }
  }
  for (const service of Object.values(topology.services)) {
    const cluster = topology.clusters[service.host];
    const address = (host: string) =>
      host === 'local' ? 'localhost' : (topology.hosts[host]?.hostname ?? recorded[host] ?? host);
    // On a cluster: ports answer on every node running a task; web services on the edge nodes.
    const members = cluster ? [...cluster.managers, ...cluster.workers] : [service.host];
    for (const port of service.ports) {
      if (port.protocol !== 'tcp') continue;
      const urls = members.map((m) => `http://${address(m)}:${port.hostPort}`);
      terminal.info(`${service.name}: ${urls.join(' ')}`);
    }
    const http = service.http;
    if (http) {
      const edge = (cluster ? cluster.edge : [service.host]).map(address);
      terminal.info(`${service.name}: ${edge.map((w) => webUrls(topology, http, w)).join(' ')}`);
    }
  }
}

/** Where a web service answers through its host's edge proxy: its hostnames, else the host's. */
function webUrls(topology: Topology, http: HttpRoute, where: string): string {
  const tls = http.tls.kind !== 'off';
  const port = tls ? topology.proxy.httpsPort : topology.proxy.httpPort;
  const suffix = port === (tls ? 443 : 80) ? '' : `:${port}`;
  const names = http.hosts.length > 0 ? http.hosts : [where];
  return names.map((name) => `${tls ? 'https' : 'http'}://${name}${suffix}/`).join(' ');
}
