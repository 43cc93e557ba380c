/**
 * Topology + resolved images + secret digests → DesiredState for one host. Pure.
 */
import type { ContainerSpec } from '../engine/engine.ts';
import { LABEL, containerName, networkName, volumeName } from '../model/names.ts';
import { EDGE_NETWORK, type Service, type Topology } from '../model/topology.ts';
import { desiredProxy, edgeNetwork, type ProxyInputs } from './desired-proxy.ts';
import { hashOf } from './hash.ts';
import type { DesiredService, DesiredState, Readiness } from './types.ts';

/** The image a service will run, as resolved on the target engine. */
export interface ResolvedImage {
  /** Reference to create the container with (tag or name). */
  ref: string;
  /** Image ID; part of the config hash so a rebuilt image recreates the container. */
  id: string;
  /** The image's own HEALTHCHECK test, used when the topology declares none. */
  healthTest: string[] | undefined;
}

/** Inputs to desiredState(). */
export interface DesiredInputs {
  topology: Topology;
  host: string;
  /** Services to converge (already including their dependencies). */
  services: string[];
  images: Map<string, ResolvedImage>;
  /** Per-service digest of the secret values it receives. */
  secretDigests: Map<string, string>;
  /** What the edge proxy needs, when a web service is placed on the host. */
  proxy?: ProxyInputs | undefined;
}

/** Minimum time `up` waits for a service to become ready. */
const MIN_READY_TIMEOUT_MS = 120_000;

/** Build the desired state for the services in scope. */
export function desiredState(inputs: DesiredInputs): DesiredState {
  const { topology } = inputs;
  const services = inputs.services
    .map((name) => topology.services[name])
    .filter((s): s is Service => s !== undefined)
    .map((s) => desiredService(inputs, s));
  const usedNetworks = new Set(services.flatMap((s) => s.networkKeys));
  const usedVolumes = new Set(services.flatMap((s) => s.volumeKeys));
  const webInScope = services.some((s) => s.desired.web !== undefined);
  // Only an up of a web service needs the proxy (`up db` would otherwise create one on an edge
  // network that this up does not create); one that runs is left alone by the others.
  const proxy =
    webInScope && inputs.proxy ? desiredProxy(topology, inputs.host, inputs.proxy) : undefined;
  return {
    project: topology.project,
    host: inputs.host,
    networks: [
      ...Object.values(topology.networks)
        .filter((n) => usedNetworks.has(n.name))
        .map((n) => ({
          key: n.name,
          name: networkName(topology.project, n.name),
          internal: n.internal,
          labels: { [LABEL.project]: topology.project, [LABEL.network]: n.name },
        })),
      ...(webInScope ? [edgeNetwork(topology.project)] : []),
    ],
    volumes: Object.values(topology.volumes)
      .filter((v) => usedVolumes.has(v.name))
      .map((v) => ({
        key: v.name,
        name: volumeName(topology.project, v.name),
        labels: { [LABEL.project]: topology.project, [LABEL.volume]: v.name },
      })),
    services: services.map((s) => s.desired),
    allServices: Object.keys(topology.services).sort(),
    ...(proxy ? { proxy } : {}),
  };
}

function desiredService(
  inputs: DesiredInputs,
  service: Service,
): { desired: DesiredService; networkKeys: string[]; volumeKeys: string[] } {
  const project = inputs.topology.project;
  const image = inputs.images.get(service.name);
  if (!image) throw new Error(`bug: no resolved image for service ${service.name}`);
  // A web service also joins the project's edge network, where the proxy reaches it.
  const networks = [...service.networks, ...(service.http ? [EDGE_NETWORK] : [])].sort();
  const [first, ...rest] = networks.map((n) => networkName(project, n));
  const aliases = [service.name];
  const env = [
    ...Object.entries(service.env).map(([k, v]) => `${k}=${v}`),
    ...service.secrets.flatMap((s) => (s.envVar ? [`${s.envVar}=${s.target}`] : [])),
  ].sort();
  const ports = service.ports.map((p) => ({
    containerPort: `${p.containerPort}/${p.protocol}`,
    hostIp: p.hostIp ?? '',
    hostPort: p.hostPort,
  }));
  const exposed = new Set([
    ...service.expose.map((p) => `${p}/tcp`),
    ...ports.map((p) => p.containerPort),
  ]);
  const spec: Omit<ContainerSpec, 'name' | 'labels'> = {
    image: image.ref,
    env,
    cmd: service.command,
    entrypoint: service.entrypoint,
    user: service.user,
    exposedPorts: [...exposed].sort(),
    portBindings: ports,
    mounts: service.volumes.map((v) => ({
      volume: volumeName(project, v.volume),
      target: v.target,
      readOnly: v.readOnly,
    })),
    restart: { name: service.restart.name, maximumRetryCount: service.restart.maximumRetryCount },
    healthcheck: service.healthcheck
      ? {
          test: service.healthcheck.test,
          intervalMs: service.healthcheck.intervalMs,
          timeoutMs: service.healthcheck.timeoutMs,
          retries: service.healthcheck.retries,
          startPeriodMs: service.healthcheck.startPeriodMs,
        }
      : undefined,
    stopTimeoutS: Math.ceil(service.stopGracePeriodMs / 1000),
    network: first ? { name: first, aliases } : undefined,
    securityOpt: ['no-new-privileges:true'],
    init: false,
  };
  const extraNetworks = rest.map((network) => ({ network, aliases }));
  const secretFiles = service.secrets.map((s) => ({ secret: s.secret, target: s.target }));
  const hash = hashOf({
    spec,
    imageId: image.id,
    extraNetworks,
    secretFiles,
    secrets: inputs.secretDigests.get(service.name) ?? '',
    // Several replicas make another release (one replica hashes as before: no churn).
    ...(service.replicas > 1 ? { replicas: service.replicas } : {}),
  });
  const labels = {
    [LABEL.project]: project,
    [LABEL.service]: service.name,
    [LABEL.configHash]: hash,
  };
  const test = service.healthcheck?.test ?? image.healthTest;
  const readiness: Readiness = {
    test: test && test[0] !== 'NONE' ? test : undefined,
    timeoutMs: Math.max(
      MIN_READY_TIMEOUT_MS,
      (service.healthcheck?.startPeriodMs ?? 0) +
        (service.healthcheck?.retries ?? 3) * (service.healthcheck?.intervalMs ?? 30_000),
    ),
  };
  const name = containerName(project, service.name, hash);
  const web = service.http && {
    upstream: `${name}:${service.http.port}`,
    port: service.http.port,
    path: service.http.path,
    drainTimeoutMs: service.http.drainTimeoutMs,
  };
  return {
    desired: {
      name: service.name,
      hash,
      spec: { ...spec, name, labels },
      ...(web ? { web } : {}),
      replicas: service.replicas,
      extraNetworks,
      secretFiles,
      dependsOn: service.dependsOn,
      readiness,
      stopTimeoutS: spec.stopTimeoutS,
    },
    networkKeys: service.networks,
    volumeKeys: service.volumes.map((v) => v.volume),
  };
}
