/**
 * Desired state, observed state and the Plan that reconcile() computes from them. A Plan is a
 * DAG: each operation is exactly one engine call (or one wait), carries the reason it exists,
 * and lists the operations it must follow.
 */
import type {
  ContainerSpec,
  ContainerSummary,
  NetworkSummary,
  VolumeSummary,
} from '../engine/engine.ts';
import type { DependencyCondition, TlsMode } from '../model/topology.ts';
import { swarmCallMutates, type SwarmCall } from './swarm-call.ts';

/** A secret file to copy into a container before it starts (values are not in the plan). */
export interface SecretFile {
  secret: string;
  /** Absolute path in the container. */
  target: string;
}

/** How `up` decides a service is ready. */
export interface Readiness {
  /** Healthcheck command in Docker's form (`CMD …`/`CMD-SHELL …`), if the service has one. */
  test: string[] | undefined;
  /** Longest time to wait for readiness, from the healthcheck's own numbers. */
  timeoutMs: number;
}

/** How the edge proxy serves a web service (services.NAME.http), as its releases need it. */
export interface DesiredWeb {
  /** `container:port` of this configuration's release (its container name carries the hash). */
  upstream: string;
  port: number;
  /** Path the proxy must get a 2xx from before the release takes traffic. */
  path: string;
  drainTimeoutMs: number;
}

/** One service as it should run. */
export interface DesiredService {
  name: string;
  hash: string;
  spec: ContainerSpec;
  /** Served through the edge proxy: replaced blue/green, never stopped before its successor. */
  web?: DesiredWeb;
  /** Containers run at once (more than one only for web services, behind the proxy). */
  replicas: number;
  /** Networks after the first one, connected before start. */
  extraNetworks: { network: string; aliases: string[] }[];
  secretFiles: SecretFile[];
  dependsOn: Record<string, DependencyCondition>;
  readiness: Readiness;
  stopTimeoutS: number;
}

/** A network as it should exist. */
export interface DesiredNetwork {
  key: string;
  name: string;
  internal: boolean;
  labels: Record<string, string>;
}

/** A volume as it should exist. */
export interface DesiredVolume {
  key: string;
  name: string;
  labels: Record<string, string>;
}

/** A file the proxy reads, and where its content comes from (secrets are not in the plan). */
export interface ProxyFile {
  /** Path relative to the proxy's config folder. */
  path: string;
  /**
   * Literal text; or the topology secret holding it, with an HMAC of its value (the secret
   * store's key) to compare with what the proxy holds; or none: delete the file.
   */
  source: { text: string } | { secret: string; digest: string } | { remove: true };
}

/** A web service as the proxy routes it, before its release is chosen. */
export interface DesiredRoute {
  service: string;
  hosts: string[];
  tls: TlsMode;
  port: number;
}

/** The edge proxy of the host, as the project's web services need it (issue 19). */
export interface DesiredProxy {
  hash: string;
  spec: ContainerSpec;
  /** Its volumes (shared by every project on the host: not labelled with one). */
  volumes: DesiredVolume[];
  /** The project's network that only the proxy and the web services join. */
  network: DesiredNetwork;
  /** Files besides the project's sites: the main Caddyfile, certificates, the ACME root. */
  files: ProxyFile[];
  /** Every web service of the project on this host (in scope or not), by name. */
  routes: DesiredRoute[];
  /** The ACME directory of `tls: auto` certificates (`proxy.acme.ca`; none: Let's Encrypt). */
  acmeCa?: string | undefined;
  readiness: Readiness;
}

/** Everything `up` should converge to, for one host. */
export interface DesiredState {
  project: string;
  host: string;
  networks: DesiredNetwork[];
  volumes: DesiredVolume[];
  services: DesiredService[];
  /** Every service name in the topology (not only those in scope), to tell orphans apart. */
  allServices: string[];
  /** The edge proxy, when a service in scope has `http:`. */
  proxy?: DesiredProxy;
}

/** The edge proxy as found on the host, with this project's files in it. */
export interface ObservedProxy {
  container: ContainerSummary;
  /** Content of the proxy's files this project writes, by path (missing ones absent). */
  files: Record<string, string>;
}

/** What the engine reports, read once per command. */
export interface ObservedState {
  containers: ContainerSummary[];
  networks: NetworkSummary[];
  volumes: VolumeSummary[];
  /** The host's edge proxy, when the topology has web services and it exists. */
  proxy?: ObservedProxy;
  /** The proxy's volumes that exist, when the topology has web services. */
  proxyVolumes?: string[];
}

/** Options that change what reconcile plans. */
export interface ReconcileOptions {
  forceRecreate: boolean;
  removeOrphans: boolean;
  /** Wait for every started service to be ready (not only those others depend on). */
  wait: boolean;
}

/**
 * What a host step reads on its stdin (runtime: systemd, issue 21): named in the plan, supplied
 * by the target when the step runs, so archives and secret values are never part of a plan.
 */
export type HostInput =
  /** The packed release of a `build:` service. */
  | { kind: 'release'; service: string; id: string }
  /** The Node.js distribution archive of a version. */
  | { kind: 'node'; version: string }
  /** The service's secret files (an archive of its credentials). */
  | { kind: 'credentials'; service: string }
  /** SQL setting the password of a database service's user. */
  | { kind: 'database'; service: string }
  /** The PM2 bundle (PM2 pinned, its dependencies, notesctl's launcher) of runtime: pm2. */
  | { kind: 'pm2'; bundle: string };

/** An operation of the plan. */
export type Operation =
  | { kind: 'create-network'; network: DesiredNetwork }
  | { kind: 'create-volume'; volume: DesiredVolume }
  | {
      kind: 'create-container';
      service: string;
      spec: ContainerSpec;
      /** One replica of several (`service#2`…): the key its container id is known by. */
      instance?: string | undefined;
    }
  | {
      kind: 'connect-network';
      service: string;
      network: string;
      aliases: string[];
      instance?: string | undefined;
      /** The container, when it exists before the plan runs (else the one the plan creates). */
      containerId?: string | undefined;
    }
  | { kind: 'copy-secrets'; service: string; files: SecretFile[]; instance?: string | undefined }
  | {
      kind: 'start-container';
      service: string;
      containerId: string | undefined;
      instance?: string | undefined;
    }
  | { kind: 'remove-network'; networkId: string; name: string }
  | { kind: 'remove-volume'; name: string }
  | {
      kind: 'stop-container';
      service: string;
      containerId: string;
      containerName: string;
      timeoutS: number;
    }
  | { kind: 'remove-container'; service: string; containerId: string; containerName: string }
  /** Write the project's proxy files and reload the proxy: one atomic switch of its routes. */
  | {
      kind: 'proxy-config';
      project: string;
      files: ProxyFile[];
      /** Reload the running proxy (false: a new proxy, which reads them when it starts). */
      reload: boolean;
      proxyId: string | undefined;
    }
  /** Take a container off a network (the proxy off a project's edge network on `down`). */
  | { kind: 'disconnect-network'; service: string; network: string; containerId: string }
  /** Wait until the proxy gets a 2xx from a new release's health path. */
  | {
      kind: 'proxy-check';
      service: string;
      instance?: string | undefined;
      upstream: string;
      path: string;
      proxyId: string | undefined;
      timeoutMs: number;
    }
  /**
   * Wait until the proxy, having loaded new routes, holds a certificate for each `tls: auto`
   * hostname; fail naming the hostname and the CA's message when it cannot get one.
   */
  | {
      kind: 'proxy-certificates';
      hosts: string[];
      /** The ACME directory asked (undefined: the proxy's default, Let's Encrypt). */
      ca: string | undefined;
      proxyId: string | undefined;
      timeoutMs: number;
    }
  /** Wait until the proxy has no request in flight to an old release (or the drain timeout). */
  | {
      kind: 'drain';
      service: string;
      upstream: string;
      /** The old release's container and the edge network the proxy reaches it on. */
      containerId: string;
      network: string;
      proxyId: string | undefined;
      timeoutMs: number;
    }
  /**
   * A script run on a plain server over SSH (runtime: systemd, issue 21): the script is part of
   * the plan as text (tests compare it); what it reads on stdin is only named.
   */
  | {
      kind: 'host-step';
      service: string | undefined;
      title: string;
      script: string;
      input: HostInput | undefined;
    }
  /** One Swarm call (or wait) through a cluster's manager (issue 20). */
  | { kind: 'swarm-step'; service: string | undefined; title: string; call: SwarmCall }
  | {
      kind: 'wait-ready';
      service: string;
      instance?: string | undefined;
      condition: DependencyCondition;
      containerId: string | undefined;
      readiness: Readiness;
    };

/** An operation with its place in the DAG. */
export interface PlannedOperation {
  id: string;
  operation: Operation;
  /** Ids of operations that must finish first. */
  after: string[];
  /**
   * Ids of stop-container operations whose container need only have exited (its process ended),
   * not the whole stop call: the engine's clean-up after an exit does not concern the services
   * it depended on. Without an exit watch, the same as `after`.
   */
  afterExit?: string[];
  /** Why this operation exists ("config hash changed", "not created yet"). */
  cause: string;
}

/** The result of reconcile(). */
export interface Plan {
  project: string;
  host: string;
  operations: PlannedOperation[];
  /** Services that need nothing. */
  unchanged: string[];
  /** Unchanged services whose Docker health check has not passed yet (still starting). */
  starting?: string[];
  /** Containers of services no longer in the topology (removed only with --remove-orphans). */
  orphans: { service: string; containerName: string }[];
  /** What the target says plainly about this deployment (systemd: what is not isolated). */
  notes?: string[];
  /**
   * The start-container operation at the head of the plan's longest chain of starts and waits.
   * Until it has been launched, only the operations it depends on run: the engine's work is
   * shared by everything in flight (on a small host, CPU and its own locks), so the first link
   * of the critical chain gets it alone, and the other services' set-up runs while that
   * container starts. Undefined when the plan starts nothing, or stops a container (see
   * schedule.ts).
   */
  first?: string;
}

/** True for operations that change the engine's state. */
export function isMutating(operation: Operation): boolean {
  if (operation.kind === 'swarm-step') return swarmCallMutates(operation.call);
  return !['wait-ready', 'proxy-check', 'proxy-certificates', 'drain'].includes(operation.kind);
}
