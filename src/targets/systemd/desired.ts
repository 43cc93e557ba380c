/**
 * What a plain server should run for a project (issue 21), computed purely from the topology and
 * what the target resolved (Node version, release ids, secret digests). `build:` services become
 * units; `image: mariadb:*` services become a database and a user on the host's one MariaDB
 * server; anything else cannot run without a container engine and is refused, naming the key.
 */
import { UsageError } from '../../errors.ts';
import type { DependencyCondition, Service, Topology } from '../../model/topology.ts';
import { hashOf } from '../../plan/hash.ts';
import type { Readiness } from '../../plan/types.ts';
import { nodeDir, unitName } from './names.ts';
import { publishedPorts } from './firewall.ts';
import { SYSTEMD_RENDERER, type AppRenderer } from './renderer.ts';
import { renderEnvFile } from './unit.ts';

/** A `build:` service as a unit (or, on runtime: pm2, a PM2 app). */
export interface DesiredApp {
  service: string;
  /** The unit's (or the PM2 app's) name. */
  unit: string;
  release: string;
  /** The unit file's (or the ecosystem file's) text. */
  unitText: string;
  envText: string;
  /** The step that writes the app's files and (re)starts it on its release. */
  deploy: { title: string; script: string };
  /** Credential name → topology secret. */
  credentials: Record<string, string>;
  hash: string;
  dependsOn: Record<string, DependencyCondition>;
  readiness: Readiness;
}

/** An `image: mariadb:*` service as a database and a user on the host's MariaDB server. */
export interface DesiredDatabase {
  service: string;
  database: string;
  user: string;
  /** The topology secret holding the user's password. */
  passwordSecret: string;
  hash: string;
  readiness: Readiness;
}

/** Everything a plain server should run for the project. */
export interface SystemdDesired {
  project: string;
  host: string;
  node: string;
  apps: DesiredApp[];
  databases: DesiredDatabase[];
  /** The managed /etc/hosts line: every service of the host as a name for 127.0.0.1. */
  hostsLine: string;
  /** Every service name in the topology (to tell orphans apart). */
  allServices: string[];
  /** The ports the firewall admits (`tcp 3000`) when the host has `firewall: true`. */
  firewall: string[] | undefined;
}

/** What desiredSystemd() needs besides the topology. */
export interface SystemdInputs {
  topology: Topology;
  host: string;
  services: string[];
  node: string;
  /** Release id of each `build:` service in scope. */
  releases: Map<string, string>;
  /** The image's CMD of each `build:` service (its Dockerfile), when it has one. */
  commands: Map<string, string[] | undefined>;
  /** HMAC digest of each service's secret values. */
  secretDigests: Map<string, string>;
  /** How apps run (default: systemd units). */
  renderer?: AppRenderer;
}

const MARIADB = /^(?:docker\.io\/)?(?:library\/)?mariadb(?::[\w.-]+)?$/;

/** Whether a service runs as the host's MariaDB server on a plain server. */
export function isDatabase(service: Service): boolean {
  return service.image.kind === 'image' && MARIADB.test(service.image.ref);
}

function readinessOf(service: Service, test: string[] | undefined): Readiness {
  const check = service.healthcheck;
  const timeoutMs = check
    ? Math.max(check.startPeriodMs + check.intervalMs * check.retries, 30_000)
    : 60_000;
  return { test, timeoutMs };
}

function firstOf(env: Record<string, string>, keys: string[]): string | undefined {
  for (const key of keys) if (env[key] !== undefined) return env[key];
  return undefined;
}

/** The database a MariaDB service keeps (MARIADB_DATABASE, else MYSQL_DATABASE). */
export function databaseName(service: Service): string | undefined {
  return firstOf(service.env, ['MARIADB_DATABASE', 'MYSQL_DATABASE']);
}

function desiredDatabase(
  service: Service,
  runtime: string,
  problems: string[],
): DesiredDatabase | undefined {
  const key = `services.${service.name}`;
  const database = databaseName(service);
  const user = firstOf(service.env, ['MARIADB_USER', 'MYSQL_USER']);
  const password = service.secrets.find((s) =>
    ['MARIADB_PASSWORD_FILE', 'MYSQL_PASSWORD_FILE'].includes(s.envVar ?? ''),
  );
  if (!database) problems.push(`${key}.env: MARIADB_DATABASE is needed on runtime: ${runtime}`);
  if (!user) problems.push(`${key}.env: MARIADB_USER is needed on runtime: ${runtime}`);
  if (!password)
    problems.push(`${key}.secrets: MARIADB_PASSWORD (a secret) is needed on runtime: ${runtime}`);
  if (!database || !user || !password) return undefined;
  return {
    service: service.name,
    database,
    user,
    passwordSecret: password.secret,
    hash: '',
    readiness: readinessOf(service, ['notesctl-database']),
  };
}

function checkApp(service: Service, others: Service[], runtime: string, problems: string[]): void {
  const key = `services.${service.name}`;
  service.ports.forEach((p, i) => {
    if (p.hostPort !== p.containerPort)
      problems.push(
        `${key}.ports[${i}]: a plain server has no port mapping: use "${p.containerPort}:${p.containerPort}" (the service listens on the host's port ${p.containerPort} itself)`,
      );
  });
  service.secrets.forEach((s, i) => {
    if (s.envVar === undefined)
      problems.push(
        `${key}.secrets[${i}]: on runtime: ${runtime} a secret reaches the app through a *_FILE variable; give it one (VAR: ${s.secret})`,
      );
  });
  if (service.user !== undefined)
    problems.push(
      `${key}.user: each service runs as its own ${runtime === 'systemd' ? 'dynamic' : 'system'} user on runtime: ${runtime}`,
    );
  const mine = [...service.expose, ...service.ports.map((p) => p.containerPort)];
  for (const other of others) {
    if (other.name >= service.name || isDatabase(other)) continue;
    const theirs = [...other.expose, ...other.ports.map((p) => p.containerPort)];
    const clash = mine.find((p) => theirs.includes(p));
    if (clash !== undefined)
      problems.push(
        `${key}: port ${clash} is also ${other.name}'s; on a plain server both listen on the host, so give one another port`,
      );
  }
}

function desiredApp(
  inputs: SystemdInputs,
  service: Service,
  problems: string[],
): DesiredApp | undefined {
  const { topology, host } = inputs;
  const release = inputs.releases.get(service.name);
  const command = service.command ?? inputs.commands.get(service.name);
  if (!command || command.length === 0) {
    problems.push(`services.${service.name}.command: the image has no CMD; say what to run`);
    return undefined;
  }
  if (release === undefined) throw new Error(`bug: no release for ${service.name}`);
  // ExecStart= looks programs up in systemd's own path, not PATH: `node` is the installed one.
  const [program = '', ...args] = command;
  const resolved = program === 'node' ? `${nodeDir(inputs.node)}/bin/node` : program;
  // An http: service has no edge proxy on a plain server: it answers on its own port.
  const published = service.ports[0] ?? (service.http ? { hostIp: undefined } : undefined);
  const env = {
    HOST: published ? (published.hostIp ?? '0.0.0.0') : '127.0.0.1',
    ...service.env,
  };
  const credentials: Record<string, string> = {};
  const credentialVars: Record<string, string> = {};
  for (const mount of service.secrets) {
    credentials[mount.secret] = mount.secret;
    if (mount.envVar) credentialVars[mount.envVar] = mount.secret;
  }
  const after = Object.keys(service.dependsOn).flatMap((dep) => {
    const other = topology.services[dep];
    if (!other || other.host !== host) return [];
    return [isDatabase(other) ? 'mariadb.service' : unitName(topology.project, dep)];
  });
  const spec = {
    project: topology.project,
    service: service.name,
    node: inputs.node,
    release,
    command: [resolved, ...args],
    credentialVars,
    after: [...new Set(after)].sort(),
    volumes: service.volumes.map((v) => ({
      state: `notesctl-${topology.project}/${v.volume}`,
      target: v.target,
      readOnly: v.readOnly,
    })),
    stopTimeoutS: Math.ceil(service.stopGracePeriodMs / 1000),
  };
  const envText = renderEnvFile(env);
  const renderer = inputs.renderer ?? SYSTEMD_RENDERER;
  const hash = hashOf({
    spec,
    envText,
    secrets: inputs.secretDigests.get(service.name) ?? '',
  }).slice(0, 16);
  const rendered = renderer.render({ spec: { ...spec, hash }, env, service, envText }, problems);
  if (!rendered) return undefined;
  return {
    service: service.name,
    unit: renderer.name(topology.project, service.name),
    release,
    unitText: rendered.text,
    envText,
    deploy: rendered.deploy,
    credentials,
    hash,
    dependsOn: service.dependsOn,
    readiness: readinessOf(service, service.healthcheck?.test),
  };
}

/** The desired state of `services` on `host`; every problem at once, as a UsageError. */
export function desiredSystemd(inputs: SystemdInputs): SystemdDesired {
  const { topology, host } = inputs;
  const runtime = (inputs.renderer ?? SYSTEMD_RENDERER).runtime;
  const problems: string[] = [];
  const placed = Object.values(topology.services).filter((s) => s.host === host);
  const apps: DesiredApp[] = [];
  const databases: DesiredDatabase[] = [];
  for (const name of inputs.services) {
    const service = topology.services[name];
    if (!service) continue;
    if (isDatabase(service)) {
      const db = desiredDatabase(service, runtime, problems);
      if (db)
        databases.push({
          ...db,
          hash: hashOf({ ...db, secrets: inputs.secretDigests.get(name) ?? '' }).slice(0, 16),
        });
    } else if (service.image.kind === 'image') {
      problems.push(
        `services.${name}.image: "${service.image.ref}" is a container image; host ${host} has runtime: ${runtime}, which runs build: services (Node apps) and mariadb:* images — place it on a docker host, or give it build:`,
      );
    } else {
      checkApp(service, placed, runtime, problems);
      const app = desiredApp(inputs, service, problems);
      if (app) apps.push(app);
    }
  }
  // One server per host: two database services cannot share a user or a database.
  for (const [i, db] of databases.entries()) {
    const other = databases
      .slice(0, i)
      .find((d) => d.user === db.user || d.database === db.database);
    if (other)
      problems.push(
        `services.${db.service}.env: MARIADB_USER/MARIADB_DATABASE "${db.user}"/"${db.database}" are also ${other.service}'s; on runtime: ${runtime} both are on the host's one MariaDB server, so give each its own`,
      );
  }
  if (problems.length > 0) {
    throw new UsageError(
      `${problems.length} problem(s) deploying to ${host} (runtime: ${runtime}):\n  ${problems.join('\n  ')}`,
      {
        hint: `Change ${topology.file}, or place these services on a host with runtime: docker.`,
      },
    );
  }
  return {
    project: topology.project,
    host,
    node: inputs.node,
    apps,
    databases,
    hostsLine: `127.0.0.1 ${placed
      .map((s) => s.name)
      .sort()
      .join(' ')}`,
    allServices: Object.keys(topology.services),
    firewall: topology.hosts[host]?.firewall ? publishedPorts(topology, host) : undefined,
  };
}
