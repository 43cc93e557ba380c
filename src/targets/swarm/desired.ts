/**
 * Topology + resolved images + secret versions + placement → the Swarm services, overlay
 * networks and secrets a cluster should hold (issue 20). Pure: tests compare its output.
 *
 * Services get `endpoint_mode: dnsrr`: no virtual IP and no routing mesh (IPVS), which this
 * project does not depend on — the service name resolves to its tasks' addresses, and the edge
 * proxy balances across them. Published `ports:` are host-mode (each node's task answers on
 * that node). Images are referenced by ID, so no node tries a registry before starting a task.
 */
import type { ServiceSpec, UpdateConfig } from '../../engine/swarm-services.ts';
import { onHost, overlayName, swarmServiceName } from '../../model/cluster-names.ts';
import { clusterVolumeName, swarmSecretName } from '../../model/cluster-names.ts';
import { LABEL } from '../../model/names.ts';
import { EDGE_NETWORK, type Service, type Topology } from '../../model/topology.ts';
import { hashOf } from '../../plan/hash.ts';
import type { DependencyCondition } from '../../model/topology.ts';
import { desiredEdge, type DesiredConfig } from './edge.ts';

/** Nanoseconds per millisecond (the Swarm API's durations are nanoseconds). */
const NS = 1_000_000;

/** An overlay network as it should exist. */
export interface DesiredOverlay {
  key: string;
  name: string;
  internal: boolean;
  encrypted: boolean;
  labels: Record<string, string>;
}

/** A Swarm secret (one version of a topology secret) as it should exist. */
export interface DesiredSecret {
  /** The topology secret. */
  secret: string;
  /** Its versioned Swarm name (`<project>_<secret>_<digest8>`). */
  name: string;
  labels: Record<string, string>;
}

/** A Swarm service as it should run. */
export interface DesiredSwarmService {
  /** The topology service. */
  service: string;
  hash: string;
  /** The spec; secret references carry names only (ids are filled in when it is sent). */
  spec: ServiceSpec;
  replicas: number;
  dependsOn: Record<string, DependencyCondition>;
  /** The host a stateful service is pinned to (its volumes live there); undefined when not. */
  pinnedTo: string | undefined;
  /** Longest time to wait for the service's tasks to run (healthy, when it has a check). */
  readyTimeoutMs: number;
}

/** Everything a cluster should hold for the project's services in scope. */
export interface DesiredSwarm {
  project: string;
  cluster: string;
  networks: DesiredOverlay[];
  secrets: DesiredSecret[];
  /** Swarm configs (the edge proxy's Caddyfile). */
  configs: DesiredConfig[];
  services: DesiredSwarmService[];
}

/** What desiredSwarm() needs besides the topology. */
export interface SwarmInputs {
  topology: Topology;
  cluster: string;
  services: string[];
  /** Image ID of each service. */
  images: Map<string, string>;
  /** The keyed digest of each topology secret's value (its Swarm name carries it). */
  secretDigests: Map<string, string>;
  /** Where each stateful service runs (see placement.ts). */
  pins: Map<string, string>;
  /** The edge proxy's image ID, when a service in scope has `http:`. */
  proxyImage?: string | undefined;
}

/** Minimum time `up` waits for a service's tasks. */
const MIN_READY_TIMEOUT_MS = 120_000;

/** Build the desired Swarm state of the services in scope. */
export function desiredSwarm(inputs: SwarmInputs): DesiredSwarm {
  const { topology } = inputs;
  const project = topology.project;
  const services = inputs.services
    .map((name) => topology.services[name])
    .filter((s): s is Service => s !== undefined);
  const networkKeys = new Set(
    services.flatMap((s) => [...s.networks, ...(s.http ? [EDGE_NETWORK] : [])]),
  );
  const edgeEncrypted =
    Object.values(topology.networks).some((n) => n.encrypted) ||
    Object.keys(topology.networks).length === 0;
  const networks: DesiredOverlay[] = [...networkKeys].sort().map((key) => {
    const network = topology.networks[key];
    return {
      key,
      name: overlayName(project, key),
      // The edge network is not internal: the proxy publishes its ports from it. It is
      // encrypted unless every network of the topology says `encrypted: false`.
      internal: network?.internal ?? false,
      encrypted: network?.encrypted ?? edgeEncrypted,
      labels: { [LABEL.project]: project, [LABEL.network]: key },
    };
  });
  const secretKeys = [...new Set(services.flatMap((s) => s.secrets.map((m) => m.secret)))].sort();
  const secrets = secretKeys.map((secret) => ({
    secret,
    name: swarmSecretName(project, secret, digestOf(inputs, secret)),
    labels: { [LABEL.project]: project, [SECRET_LABEL]: secret },
  }));
  const edge = desiredEdge(topology, inputs.services, inputs.proxyImage);
  return {
    project,
    cluster: inputs.cluster,
    networks,
    secrets,
    configs: edge ? [edge.config] : [],
    services: [...services.map((s) => desiredService(inputs, s)), ...(edge ? [edge.service] : [])],
  };
}

/** Label naming the topology secret a Swarm secret is a version of. */
export const SECRET_LABEL = 'io.notesctl.secret';

function digestOf(inputs: SwarmInputs, secret: string): string {
  const digest = inputs.secretDigests.get(secret);
  if (digest === undefined) throw new Error(`bug: no digest for secret ${secret}`);
  return digest;
}

/** Rolling updates: one task at a time, watched, rolled back by Swarm itself on failure. */
function updateConfig(order: UpdateConfig['Order'], monitorMs: number): UpdateConfig {
  return {
    Parallelism: 1,
    Delay: 0,
    FailureAction: 'rollback',
    Monitor: monitorMs * NS,
    MaxFailureRatio: 0,
    Order: order,
  };
}

function desiredService(inputs: SwarmInputs, service: Service): DesiredSwarmService {
  const { project } = inputs.topology;
  const image = inputs.images.get(service.name);
  if (!image) throw new Error(`bug: no resolved image for service ${service.name}`);
  const pinnedTo = inputs.pins.get(service.name);
  // A service with data keeps one task on its node, replaced stop-first (two servers must never
  // share a data folder); a stateless one starts the new task before stopping the old.
  const stateful = service.volumes.length > 0;
  const check = service.healthcheck;
  // Swarm watches each new task this long for a failure before the next one (and rolls back).
  const monitorMs = check ? Math.max(10_000, check.intervalMs * 2) : 10_000;
  const networks = [...service.networks, ...(service.http ? [EDGE_NETWORK] : [])].sort();
  const spec: ServiceSpec = {
    Name: swarmServiceName(project, service.name),
    Labels: { [LABEL.project]: project, [LABEL.service]: service.name },
    TaskTemplate: {
      ContainerSpec: {
        Image: image,
        Labels: { [LABEL.project]: project, [LABEL.service]: service.name },
        ...(service.entrypoint ? { Command: service.entrypoint } : {}),
        ...(service.command ? { Args: service.command } : {}),
        Env: [
          ...Object.entries(service.env).map(([k, v]) => `${k}=${v}`),
          ...service.secrets.flatMap((s) => (s.envVar ? [`${s.envVar}=${s.target}`] : [])),
        ].sort(),
        ...(service.user === undefined ? {} : { User: service.user }),
        ...(check
          ? {
              Healthcheck: {
                Test: check.test,
                Interval: check.intervalMs * NS,
                Timeout: check.timeoutMs * NS,
                Retries: check.retries,
                StartPeriod: check.startPeriodMs * NS,
              },
            }
          : {}),
        StopGracePeriod: service.stopGracePeriodMs * NS,
        Secrets: service.secrets.map((m) => ({
          // Readable by the service's own user only when it runs as root; apps run as a user.
          File: { Name: m.target, UID: '0', GID: '0', Mode: 0o444 },
          SecretID: '',
          SecretName: swarmSecretName(project, m.secret, digestOf(inputs, m.secret)),
        })),
        Mounts: service.volumes.map((v) => ({
          Type: 'volume',
          Source: clusterVolumeName(project, v.volume),
          Target: v.target,
          ReadOnly: v.readOnly,
          VolumeOptions: { Labels: { [LABEL.project]: project, [LABEL.volume]: v.volume } },
        })),
      },
      RestartPolicy: restartOf(service),
      Placement: { Constraints: pinnedTo === undefined ? [] : [onHost(pinnedTo)] },
      Networks: networks.map((n) => ({ Target: overlayName(project, n), Aliases: [service.name] })),
    },
    Mode: { Replicated: { Replicas: service.replicas } },
    UpdateConfig: updateConfig(stateful ? 'stop-first' : 'start-first', monitorMs),
    RollbackConfig: {
      ...updateConfig(stateful ? 'stop-first' : 'start-first', monitorMs),
      FailureAction: 'pause',
    },
    EndpointSpec: {
      Mode: 'dnsrr',
      Ports: service.ports.map((p) => ({
        Protocol: p.protocol,
        TargetPort: p.containerPort,
        PublishedPort: p.hostPort,
        PublishMode: 'host',
      })),
    },
  };
  const hash = hashOf({ spec, image });
  return {
    service: service.name,
    hash,
    spec: withHash(spec, hash),
    replicas: service.replicas,
    dependsOn: service.dependsOn,
    pinnedTo,
    readyTimeoutMs: Math.max(
      MIN_READY_TIMEOUT_MS,
      (check?.startPeriodMs ?? 0) + (check?.retries ?? 3) * (check?.intervalMs ?? 30_000),
    ),
  };
}

/** The spec with its config hash on the service and on its tasks' containers (to tell releases apart). */
export function withHash(spec: ServiceSpec, hash: string): ServiceSpec {
  const container = spec.TaskTemplate.ContainerSpec;
  return {
    ...spec,
    Labels: { ...spec.Labels, [LABEL.configHash]: hash },
    TaskTemplate: {
      ...spec.TaskTemplate,
      ContainerSpec: { ...container, Labels: { ...container.Labels, [LABEL.configHash]: hash } },
    },
  };
}

/** Docker's restart policies in Swarm's words (`unless-stopped` and `always` are `any`). */
function restartOf(service: Service): ServiceSpec['TaskTemplate']['RestartPolicy'] {
  const { name, maximumRetryCount } = service.restart;
  const condition = name === 'no' ? 'none' : name === 'on-failure' ? 'on-failure' : 'any';
  return { Condition: condition, MaxAttempts: maximumRetryCount, Delay: 5_000 * NS };
}
