/**
 * The peer of bench/swarm.ts: a compose file for `docker stack deploy` (compose format 3.8, what
 * the docker CLI 20.10 reads) with what notesctl's swarm target deploys from the same topology
 * (src/targets/swarm/desired.ts, edge.ts): the same images by tag, overlays unencrypted and
 * `internal` kept, `endpoint_mode: dnsrr` (no IPVS here), replicas, healthchecks, rolling
 * updates (start-first for stateless services, stop-first with data, rollback on failure),
 * restart policy, the databases pinned to the nodes notesctl chose, secrets as files, and the
 * edge proxy as Caddy in global mode with host-mode ports and notesctl's own Caddyfile.
 * `depends_on` is left out: `docker stack deploy` ignores it (tasks restart until ready).
 */
import { stringify } from 'yaml';
import { EDGE_NETWORK, type Service, type Topology } from '../../src/model/topology.ts';
import { clusterCaddyfile } from '../../src/proxy/cluster-caddyfile.ts';
import { composeDuration } from './compose-file.ts';

/** What the stack file refers to besides the topology. */
export interface StackInputs {
  stack: string;
  /** Image reference (tag) of every service, and of `edge-proxy`. */
  images: Map<string, string>;
  /** Placement constraints of pinned services (as notesctl set them). */
  constraints: Map<string, string[]>;
  /** Folder with one file per topology secret. */
  secretsDir: string;
  /** Path of the Caddyfile written beside the stack file. */
  caddyfile: string;
}

function stackService(s: Service, inputs: StackInputs): Record<string, unknown> {
  const image = inputs.images.get(s.name);
  if (!image) throw new Error(`no image for service ${s.name}`);
  const stateful = s.volumes.length > 0;
  const monitor = composeDuration(
    s.healthcheck ? Math.max(10_000, s.healthcheck.intervalMs * 2) : 10_000,
  );
  const update = {
    parallelism: 1,
    delay: '0s',
    failure_action: 'rollback',
    monitor,
    max_failure_ratio: 0,
    order: stateful ? 'stop-first' : 'start-first',
  };
  const secretEnv = s.secrets.flatMap((m): [string, string][] =>
    m.envVar ? [[m.envVar, m.target]] : [],
  );
  const service: Record<string, unknown> = {
    image,
    environment: Object.fromEntries([...Object.entries(s.env), ...secretEnv]),
    stop_grace_period: composeDuration(s.stopGracePeriodMs),
    networks: [...s.networks, ...(s.http ? [EDGE_NETWORK] : [])],
    deploy: {
      mode: 'replicated',
      replicas: s.replicas,
      endpoint_mode: 'dnsrr',
      update_config: update,
      rollback_config: { ...update, failure_action: 'pause' },
      restart_policy: {
        condition:
          s.restart.name === 'no' ? 'none' : s.restart.name === 'on-failure' ? 'on-failure' : 'any',
        delay: '5s',
        ...(s.restart.maximumRetryCount > 0 ? { max_attempts: s.restart.maximumRetryCount } : {}),
      },
      placement: { constraints: inputs.constraints.get(s.name) ?? [] },
    },
  };
  if (s.secrets.length > 0)
    service.secrets = s.secrets.map((m) => ({ source: m.secret, target: m.target, mode: 0o444 }));
  if (s.volumes.length > 0)
    service.volumes = s.volumes.map((v) => `${v.volume}:${v.target}${v.readOnly ? ':ro' : ''}`);
  if (s.ports.length > 0)
    service.ports = s.ports.map((p) => ({
      target: p.containerPort,
      published: p.hostPort,
      protocol: p.protocol,
      mode: 'host',
    }));
  if (s.command) service.command = s.command;
  if (s.entrypoint) service.entrypoint = s.entrypoint;
  if (s.user) service.user = s.user;
  if (s.healthcheck)
    service.healthcheck = {
      test: s.healthcheck.test,
      interval: composeDuration(s.healthcheck.intervalMs),
      timeout: composeDuration(s.healthcheck.timeoutMs),
      retries: s.healthcheck.retries,
      start_period: composeDuration(s.healthcheck.startPeriodMs),
    };
  return service;
}

/** The edge proxy as notesctl runs it on a cluster (src/targets/swarm/edge.ts). */
function edgeService(topology: Topology, inputs: StackInputs): Record<string, unknown> {
  return {
    image: inputs.images.get('edge-proxy'),
    command: ['caddy', 'run', '--config', '/etc/caddy/Caddyfile', '--adapter', 'caddyfile'],
    configs: [{ source: 'caddyfile', target: '/etc/caddy/Caddyfile', mode: 0o444 }],
    networks: [EDGE_NETWORK],
    ports: [
      { target: 80, published: topology.proxy.httpPort, protocol: 'tcp', mode: 'host' },
      { target: 443, published: topology.proxy.httpsPort, protocol: 'tcp', mode: 'host' },
    ],
    stop_grace_period: '10s',
    deploy: {
      mode: 'global',
      endpoint_mode: 'dnsrr',
      update_config: {
        parallelism: 1,
        failure_action: 'rollback',
        monitor: '5s',
        order: 'stop-first',
      },
      restart_policy: { condition: 'any', delay: '5s' },
    },
  };
}

/** The Caddyfile of the stack's proxy: notesctl's, for the stack's service names. */
export function stackCaddyfile(topology: Topology, stack: string): string {
  const routes = Object.values(topology.services).flatMap((s) =>
    s.http
      ? [
          {
            service: s.name,
            swarmService: `${stack}_${s.name}`,
            hosts: s.http.hosts,
            tls: s.http.tls,
            port: s.http.port,
          },
        ]
      : [],
  );
  return clusterCaddyfile(stack, routes);
}

/** Render the stack file. */
export function stackFile(topology: Topology, inputs: StackInputs): string {
  const services: Record<string, unknown> = Object.fromEntries(
    Object.values(topology.services).map((s) => [s.name, stackService(s, inputs)]),
  );
  services['edge-proxy'] = edgeService(topology, inputs);
  const overlays: [string, boolean][] = [
    ...Object.values(topology.networks).map((n): [string, boolean] => [n.name, n.internal]),
    [EDGE_NETWORK, false],
  ];
  const networks = Object.fromEntries(
    overlays.map(([name, internal]) => [
      name,
      { driver: 'overlay', ...(internal ? { internal: true } : {}) },
    ]),
  );
  const volumes = Object.fromEntries(Object.keys(topology.volumes).map((v) => [v, {}]));
  const secrets = Object.fromEntries(
    Object.keys(topology.secrets).map((name) => [name, { file: `${inputs.secretsDir}/${name}` }]),
  );
  const configs = { caddyfile: { file: inputs.caddyfile } };
  return `# Generated by bench/swarm.ts from ${topology.file}: what notesctl's swarm target deploys.\n${stringify(
    { version: '3.8', services, networks, volumes, secrets, configs },
    { lineWidth: 0 },
  )}`;
}
