/**
 * The edge proxy of a project on a cluster (issue 20), as desired state. Pure. One Caddy task
 * per edge node (global mode, the nodes `cluster up` labels for it), publishing the proxy's
 * ports on that node (host mode: no routing mesh), on the project's edge overlay where only the
 * web services are. Its Caddyfile is a Swarm config; a changed one is a new config (configs are
 * immutable) and a rolling update of the proxy, stop-first since a node's port has one owner.
 */
import { ON_EDGE, overlayName, swarmServiceName } from '../../model/cluster-names.ts';
import { LABEL } from '../../model/names.ts';
import { EDGE_NETWORK, type Topology } from '../../model/topology.ts';
import { hashOf } from '../../plan/hash.ts';
import { clusterCaddyfile } from '../../proxy/cluster-caddyfile.ts';
import { PROXY_SERVICE } from '../../proxy/names.ts';
import type { DesiredSwarmService } from './desired.ts';
import { withHash } from './desired.ts';
import { UsageError } from '../../errors.ts';

/** A Swarm config (the proxy's Caddyfile) as it should exist. */
export interface DesiredConfig {
  name: string;
  labels: Record<string, string>;
  text: string;
}

/** Label naming what a project's Swarm config holds. */
export const CONFIG_LABEL = 'io.notesctl.config';

/** Where Caddy reads its configuration in the proxy's tasks. */
const CADDYFILE = '/etc/caddy/Caddyfile';

/** The proxy and its Caddyfile for the web services in `services`; undefined when none. */
export function desiredEdge(
  topology: Topology,
  services: string[],
  imageId: string | undefined,
): { service: DesiredSwarmService; config: DesiredConfig } | undefined {
  const web = services.map((name) => topology.services[name]).filter((s) => s?.http !== undefined);
  if (web.length === 0 || imageId === undefined) return undefined;
  const { project, proxy } = topology;
  const routes = web.flatMap((s) => {
    if (!s?.http) return [];
    if (s.http.tls.kind === 'auto' || s.http.tls.kind === 'files')
      throw new UsageError(
        `service ${s.name}: http.tls ${s.http.tls.kind} is not available on a cluster in this build (each edge node would need the same certificate)`,
        { hint: 'Use tls: internal or off on the cluster, with your own TLS terminator in front.' },
      );
    return [
      {
        service: s.name,
        swarmService: swarmServiceName(project, s.name),
        hosts: s.http.hosts,
        tls: s.http.tls,
        port: s.http.port,
      },
    ];
  });
  const text = clusterCaddyfile(project, routes);
  const configName = `${project}_caddyfile_${hashOf(text).slice(0, 8)}`;
  const labels = { [LABEL.project]: project, [LABEL.service]: PROXY_SERVICE };
  const spec = {
    Name: swarmServiceName(project, PROXY_SERVICE),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: imageId,
        Labels: labels,
        Args: ['caddy', 'run', '--config', CADDYFILE, '--adapter', 'caddyfile'],
        Env: [],
        StopGracePeriod: 10_000_000_000,
        Secrets: [],
        Configs: [
          {
            File: { Name: CADDYFILE, UID: '0', GID: '0', Mode: 0o444 },
            ConfigID: '',
            ConfigName: configName,
          },
        ],
        Mounts: [],
      },
      RestartPolicy: { Condition: 'any' as const, MaxAttempts: 0, Delay: 5_000_000_000 },
      Placement: { Constraints: [ON_EDGE] },
      Networks: [{ Target: overlayName(project, EDGE_NETWORK), Aliases: [] }],
    },
    Mode: { Global: {} },
    UpdateConfig: {
      Parallelism: 1,
      Delay: 0,
      FailureAction: 'rollback' as const,
      Monitor: 5_000_000_000,
      MaxFailureRatio: 0,
      Order: 'stop-first' as const,
    },
    EndpointSpec: {
      Mode: 'dnsrr' as const,
      Ports: [
        {
          Protocol: 'tcp' as const,
          TargetPort: 80,
          PublishedPort: proxy.httpPort,
          PublishMode: 'host' as const,
        },
        {
          Protocol: 'tcp' as const,
          TargetPort: 443,
          PublishedPort: proxy.httpsPort,
          PublishMode: 'host' as const,
        },
      ],
    },
  };
  const hash = hashOf({ spec, imageId });
  return {
    service: {
      service: PROXY_SERVICE,
      hash,
      spec: withHash(spec, hash),
      // Global: one per edge node; the wait counts what the cluster schedules.
      replicas: 0,
      dependsOn: {},
      pinnedTo: undefined,
      readyTimeoutMs: 120_000,
    },
    config: { name: configName, labels: { ...labels, [CONFIG_LABEL]: 'caddyfile' }, text },
  };
}
