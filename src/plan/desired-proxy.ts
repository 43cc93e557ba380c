/**
 * The edge proxy a host needs for a project's web services (issue 19), as desired state. Pure.
 * One proxy per host serves every project there: its container and volumes carry the proxy's
 * label, not a project's, so no project's `down` or orphan sweep takes it away. Each project
 * has its own `edge` network joined by the proxy and its web services only.
 */
import type { ContainerSpec } from '../engine/engine.ts';
import { LABEL, networkName } from '../model/names.ts';
import { EDGE_NETWORK, type Service, type Topology } from '../model/topology.ts';
import { ACME_ROOT_FILE, certFiles, mainCaddyfile } from '../proxy/caddyfile.ts';
import {
  PROXY_ADMIN,
  PROXY_CONTAINER,
  PROXY_DIR,
  PROXY_LABEL,
  PROXY_VOLUMES,
} from '../proxy/names.ts';
import { hashOf } from './hash.ts';
import type { DesiredNetwork, DesiredProxy, ProxyFile } from './types.ts';

/** The project's edge network on the host. */
export function edgeNetwork(project: string): DesiredNetwork {
  return {
    key: EDGE_NETWORK,
    name: networkName(project, EDGE_NETWORK),
    // Not internal: the proxy publishes its ports through it.
    internal: false,
    labels: { [LABEL.project]: project, [LABEL.network]: EDGE_NETWORK },
  };
}

/** The web services of the topology placed on `host`, in scope or not. */
export function webServicesOn(topology: Topology, host: string): Service[] {
  return Object.values(topology.services).filter((s) => s.host === host && s.http);
}

/** What the proxy's desired state needs from the target: its image, files' contents. */
export interface ProxyInputs {
  imageId: string;
  /** The ACME CA's root (PEM), read from `proxy.acme.ca_root`. */
  acmeRoot: string | undefined;
  /** HMAC of each secret's value (the secret store's key), for certificates given as secrets. */
  secretDigest: (secret: string) => string;
}

/** The proxy `host` needs, or undefined when no web service is placed there. */
export function desiredProxy(
  topology: Topology,
  host: string,
  inputs: ProxyInputs,
): DesiredProxy | undefined {
  const web = webServicesOn(topology, host);
  if (web.length === 0) return undefined;
  const { proxy, project } = topology;
  const network = edgeNetwork(project);
  const spec: Omit<ContainerSpec, 'name' | 'labels'> = {
    image: proxy.image,
    env: [],
    cmd: ['caddy', 'run', '--config', `${PROXY_DIR}/Caddyfile`, '--adapter', 'caddyfile'],
    entrypoint: undefined,
    user: undefined,
    exposedPorts: ['443/tcp', '80/tcp'],
    portBindings: [
      { containerPort: '80/tcp', hostIp: '', hostPort: proxy.httpPort },
      { containerPort: '443/tcp', hostIp: '', hostPort: proxy.httpsPort },
    ],
    mounts: [
      { volume: PROXY_VOLUMES.data, target: '/data', readOnly: false },
      { volume: PROXY_VOLUMES.config, target: '/config', readOnly: false },
    ],
    restart: { name: 'unless-stopped', maximumRetryCount: 0 },
    healthcheck: undefined,
    stopTimeoutS: 10,
    network: { name: network.name, aliases: [] },
    securityOpt: ['no-new-privileges:true'],
    init: false,
  };
  // Shared by projects: which project's edge network it was created on is no part of its identity.
  const hash = hashOf({ spec: { ...spec, network: undefined }, imageId: inputs.imageId });
  const volumeLabels = { [PROXY_LABEL]: 'caddy' };
  return {
    hash,
    spec: {
      ...spec,
      name: PROXY_CONTAINER,
      labels: { [PROXY_LABEL]: 'caddy', [LABEL.configHash]: hash },
    },
    volumes: Object.values(PROXY_VOLUMES).map((name) => ({
      key: name,
      name,
      labels: volumeLabels,
    })),
    network,
    files: proxyFiles(topology, web, inputs),
    routes: web.map((s) => ({
      service: s.name,
      hosts: s.http?.hosts ?? [],
      tls: s.http?.tls ?? { kind: 'off' },
      port: s.http?.port ?? 0,
    })),
    acmeCa: proxy.acme.ca,
    // Ready once its admin endpoint answers (inside the container: it is never published).
    readiness: {
      test: [
        'CMD',
        'timeout',
        '5',
        'wget',
        '-q',
        '-O',
        '/dev/null',
        `http://${PROXY_ADMIN}/config/`,
      ],
      timeoutMs: 60_000,
    },
  };
}

/** The main Caddyfile, the certificates given as secrets, and the ACME CA's root. */
function proxyFiles(topology: Topology, web: Service[], inputs: ProxyInputs): ProxyFile[] {
  const files: ProxyFile[] = [
    { path: 'Caddyfile', source: { text: mainCaddyfile(topology.proxy) } },
  ];
  for (const service of web) {
    const tls = service.http?.tls;
    if (tls?.kind !== 'files') continue;
    const paths = certFiles(topology.project, service.name);
    for (const [path, secret] of [
      [paths.cert, tls.cert],
      [paths.key, tls.key],
    ] as const)
      files.push({ path, source: { secret, digest: inputs.secretDigest(secret) } });
  }
  if (inputs.acmeRoot !== undefined)
    files.push({ path: ACME_ROOT_FILE, source: { text: inputs.acmeRoot } });
  return files;
}
