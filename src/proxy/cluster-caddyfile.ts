/**
 * The edge proxy's Caddyfile on a cluster (issue 20). Each edge node runs one proxy task that
 * balances over the web service's tasks wherever they run: Caddy looks the tasks up in Docker's
 * DNS (`tasks.<service>`, the dnsrr answer of every task's address) every second, so a rolling
 * update needs no reload — new tasks join the answer once healthy, stopped ones leave it, and a
 * request that meets a task as it stops is tried again on another. No routing mesh (IPVS) is
 * involved. Pure: tests compare the text.
 */
import type { TlsMode } from '../model/topology.ts';
import { PROXY_ADMIN } from './names.ts';

/** One web service as the cluster's proxy routes it. */
export interface ClusterRoute {
  service: string;
  /** The Swarm service whose tasks serve it (`tasks.<name>` resolves to them). */
  swarmService: string;
  hosts: string[];
  tls: TlsMode;
  port: number;
}

/** The whole Caddyfile of a project's proxy on a cluster. */
export function clusterCaddyfile(project: string, routes: ClusterRoute[]): string {
  const plainOnly = routes.every((r) => r.tls.kind === 'off');
  const blocks = [...routes]
    .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0))
    .map(siteBlock);
  return [
    `# Written by notesctl for project ${project} on a cluster.`,
    '{',
    `\tadmin ${PROXY_ADMIN}`,
    ...(plainOnly ? ['\tauto_https off'] : []),
    '}',
    '',
    blocks.join('\n\n'),
    '',
  ].join('\n');
}

function siteBlock(route: ClusterRoute): string {
  const plain = route.tls.kind === 'off';
  const addresses =
    route.hosts.length === 0 ? ['http://'] : route.hosts.map((h) => (plain ? `http://${h}` : h));
  return [
    `# ${route.service}`,
    `${addresses.join(', ')} {`,
    ...(route.tls.kind === 'internal' ? ['\ttls internal'] : []),
    ...(plain ? [] : ['\theader Strict-Transport-Security "max-age=31536000"']),
    '\treverse_proxy {',
    '\t\tdynamic a {',
    `\t\t\tname tasks.${route.swarmService}`,
    `\t\t\tport ${route.port}`,
    '\t\t\trefresh 1s',
    '\t\t}',
    // A task that refuses the connection (stopping, or gone since the last lookup) is skipped
    // for a while, and the request is tried on another one.
    '\t\tlb_try_duration 5s',
    '\t\tlb_try_interval 100ms',
    '\t\tfail_duration 5s',
    // Idle upstream connections end after 2 s, so none lingers to a task about to stop; the
    // pool size is restated (see caddyfile.ts).
    '\t\ttransport http {',
    '\t\t\tkeepalive 2s',
    '\t\t\tkeepalive_idle_conns_per_host 32',
    '\t\t}',
    '\t}',
    '}',
  ].join('\n');
}
