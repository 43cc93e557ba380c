/**
 * The normalised topology: what `src/config` produces from notesctl.config.yaml after schema
 * checks, interpolation, defaults and cross-reference rules. Everything downstream (planning,
 * hashing, execution) reads only these types, never raw YAML.
 */
import type { NodeSettings } from './node.ts';

/** A port published on the host: `HOST:CONTAINER[/proto]` or `IP:HOST:CONTAINER[/proto]`. */
export interface PortMapping {
  hostIp: string | undefined;
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** A named volume mounted into a service. */
export interface VolumeMount {
  volume: string;
  target: string;
  readOnly: boolean;
}

/** A secret delivered as a file in /run/secrets; `envVar` gets the file path when set. */
export interface SecretMount {
  secret: string;
  /** Absolute path in the container, default `/run/secrets/<secret>`. */
  target: string;
  /** Name of the environment variable that receives the file path (`*_FILE` convention). */
  envVar: string | undefined;
}

/** Container healthcheck; durations in milliseconds. */
export interface Healthcheck {
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

/** Condition a dependent waits for before it starts. */
export type DependencyCondition = 'started' | 'healthy' | 'completed';

/** How a service's image is obtained. */
export type ImageSource =
  | { kind: 'image'; ref: string }
  | {
      kind: 'build';
      /** Absolute path of the build context folder. */
      context: string;
      /** Dockerfile path relative to the context. */
      dockerfile: string;
      args: Record<string, string>;
      target: string | undefined;
    };

/** Restart policy in Docker's terms. */
export interface RestartPolicy {
  name: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  maximumRetryCount: number;
}

/**
 * How the edge proxy serves a web service's hostnames over TLS (`services.NAME.http.tls`,
 * issue 19): `auto` gets certificates from ACME (Let's Encrypt unless `proxy.acme.ca` says
 * otherwise) and redirects HTTP to HTTPS; `internal` uses the proxy's own CA (a LAN, tests);
 * `files` serves a certificate and key kept in topology secrets; `off` is plain HTTP.
 */
export type TlsMode =
  | { kind: 'off' }
  | { kind: 'auto' }
  | { kind: 'internal' }
  /** Names of the topology secrets holding the PEM certificate (chain) and its private key. */
  | { kind: 'files'; cert: string; key: string };

/** A web service served through its host's edge proxy (`services.NAME.http`, issue 19). */
export interface HttpRoute {
  /** Lower-case hostnames routed to the service, sorted; [] = every hostname (the default site). */
  hosts: string[];
  /** The port the service listens on inside its container. */
  port: number;
  /** Path the proxy requests (GET, expecting 2xx) before a release takes traffic. */
  path: string;
  tls: TlsMode;
  /** How long an old release may finish its requests after traffic moved away from it. */
  drainTimeoutMs: number;
}

/** One service of the topology. */
export interface Service {
  name: string;
  image: ImageSource;
  env: Record<string, string>;
  secrets: SecretMount[];
  ports: PortMapping[];
  expose: number[];
  networks: string[];
  volumes: VolumeMount[];
  dependsOn: Record<string, DependencyCondition>;
  healthcheck: Healthcheck | undefined;
  restart: RestartPolicy;
  command: string[] | undefined;
  entrypoint: string[] | undefined;
  user: string | undefined;
  stopGracePeriodMs: number;
  /** Name of the host this service is placed on (`local` unless the topology says otherwise). */
  host: string;
  /** Served through the host's edge proxy instead of published ports; undefined when not. */
  http: HttpRoute | undefined;
  /** Containers run at once (more than 1 only for `http:` services, behind the proxy). */
  replicas: number;
}

/** A user-defined bridge network. */
export interface Network {
  name: string;
  /** No route outside the network (Docker `internal`). */
  internal: boolean;
  /**
   * On a cluster (issue 20): an overlay whose traffic between nodes is IPsec-encrypted (Docker's
   * `encrypted` option); true unless the topology says `encrypted: false`. Ignored on one host.
   */
  encrypted: boolean;
}

/** A named volume. */
export interface Volume {
  name: string;
}

/** Where a secret's value comes from; values are never written in the topology. */
export type SecretSource =
  | { kind: 'generate'; length: number }
  | { kind: 'file'; path: string }
  | { kind: 'env'; variable: string };

/** A secret declared at the top level. */
export interface Secret {
  name: string;
  source: SecretSource;
}

/**
 * Where a remote machine is: an SSH login and the Docker socket on it. The one type for it:
 * the topology's hosts, the host store's resolved records and provisioning produce it, and the
 * SSH transport in src/engine takes it. It lives here rather than in src/engine because the
 * model is the layer every other one may import (the engine already reads names from it),
 * while the model importing the engine would point the dependency the wrong way.
 */
export interface SshEndpoint {
  /** The host's name in notesctl (topology or host store), for messages. */
  name: string;
  user: string;
  hostname: string;
  port: number;
  /** Private key file to log in with; else ssh-agent, else ~/.ssh/id_*. */
  identity: string | undefined;
  /** Docker socket on the remote machine. */
  socket: string;
}

/** Every runtime a host may name in `runtime:` (issue 18 §3; systemd and pm2: issue 21); swarm comes later. */
export const RUNTIMES = ['docker', 'systemd', 'pm2'] as const;

/** How a host runs the services placed on it: the target notesctl deploys them through. */
export type Runtime = (typeof RUNTIMES)[number];

/** The runtime of a host whose entry names none, of `local`, and of hosts from the host store. */
export const DEFAULT_RUNTIME: Runtime = 'docker';

/**
 * A Docker Swarm cluster declared under `clusters:` (issue 20): hosts (from `hosts:` or the host
 * store) joined as managers and workers. A service whose `host:` names the cluster deploys as a
 * Swarm service through the cluster's managers; its runtime is `swarm`.
 */
export interface Cluster {
  name: string;
  /** Host names of the managers; the first initialises the swarm. */
  managers: string[];
  /** Host names of the workers (may be empty). */
  workers: string[];
  /** Host names of the nodes that run the edge proxy (global mode); default every node. */
  edge: string[];
}

/** The runtime of services placed on a cluster: Swarm services, deployed through a manager. */
export const CLUSTER_RUNTIME = 'swarm';

/** How a placement (a host or a cluster) runs its services: a host's runtime, or swarm. */
export type PlacementRuntime = Runtime | typeof CLUSTER_RUNTIME;

/** A host declared under `hosts:`: reached over SSH, running its services with `runtime`. */
export interface Host extends SshEndpoint {
  runtime: Runtime;
  /**
   * On a plain server (systemd, pm2; issue 21): notesctl keeps an nftables firewall that drops
   * what reaches the host except SSH and the ports its services publish. Off unless asked.
   */
  firewall: boolean;
  /** On a plain server (issue 21): where its Node.js comes from; undefined on Docker hosts. */
  node?: NodeSettings;
}

/** ACME settings of the edge proxy (`proxy.acme`), used by `tls: auto` services. */
export interface AcmeSettings {
  /** Contact address given to the CA (expiry notices); none when undefined. */
  email: string | undefined;
  /** ACME directory URL (https); undefined = the proxy's default, Let's Encrypt. */
  ca: string | undefined;
  /** Absolute path of a PEM file with the root the proxy trusts for `ca`; read when deploying. */
  caRoot: string | undefined;
}

/** The edge proxy run on each host that has `http:` services (top-level `proxy:`, issue 19). */
export interface ProxySettings {
  image: string;
  /** Host port published for HTTP (and ACME's HTTP-01 challenge). */
  httpPort: number;
  /** Host port published for HTTPS. */
  httpsPort: number;
  acme: AcmeSettings;
}

/** The proxy's image when `proxy.image` is not given: Caddy's official image. */
export const DEFAULT_PROXY_IMAGE = 'caddy:2';

/**
 * The network notesctl puts the edge proxy and the `http:` services on (and nothing else, so
 * the proxy never reaches a database); reserved, a topology cannot declare it.
 */
export const EDGE_NETWORK = 'edge';

/** The whole normalised topology. */
export interface Topology {
  project: string;
  /** Absolute path of the topology file (for messages). */
  file: string;
  /** Directory the file lives in; relative paths resolve against it. */
  directory: string;
  /** Hosts declared in the file; `local` is implicit and never among them. */
  hosts: Record<string, Host>;
  /** Swarm clusters declared in the file (issue 20); a service's `host:` may name one. */
  clusters: Record<string, Cluster>;
  /**
   * Hosts the file does not declare, recorded by `notesctl provision ssh --runtime` for a runtime
   * other than docker (issue 21): their runtime. Absent or unlisted: docker.
   */
  recordedRuntimes?: Record<string, Runtime>;
  networks: Record<string, Network>;
  volumes: Record<string, Volume>;
  secrets: Record<string, Secret>;
  services: Record<string, Service>;
  /** The edge proxy's settings; defaults when `proxy:` is absent (used only where http: is). */
  proxy: ProxySettings;
  /** The release history's settings (`releases:`, issue 19). */
  releases: ReleaseSettings;
}

/** How many releases' images each host keeps for `notesctl rollback`. */
export interface ReleaseSettings {
  keep: number;
}

/** Built images kept per service when `releases.keep` is not set. */
export const DEFAULT_RELEASES_KEPT = 5;

/** Docker socket path on a remote host when `socket` is not given. */
export const DEFAULT_REMOTE_SOCKET = '/run/docker.sock';

/** The name of the implicit host that means "the engine this machine talks to". */
export const LOCAL_HOST = 'local';

/**
 * The runtime `placement` deploys with: swarm for a cluster, else the host's `runtime:` (left
 * out, its record's: config/recorded-runtimes.ts), else the runtime a host-store host was
 * provisioned for, else docker (`local`, hosts provisioned for Docker).
 */
export function runtimeOf(topology: Topology, placement: string): PlacementRuntime {
  if (topology.clusters[placement] !== undefined) return CLUSTER_RUNTIME;
  return (
    topology.hosts[placement]?.runtime ?? topology.recordedRuntimes?.[placement] ?? DEFAULT_RUNTIME
  );
}
