/**
 * One validated service → its normalised form: defaults applied, strings parsed, paths absolute,
 * and every list whose order does not matter sorted, so equal topologies hash equally.
 */
import type {
  DependencyCondition,
  Healthcheck,
  ImageSource,
  PortMapping,
  RestartPolicy,
  SecretMount,
  Service,
  VolumeMount,
} from '../model/topology.ts';
import { parseDuration } from './durations.ts';
import { normalizeHealthTest } from './healthcheck-test.ts';
import { HTTP_DEFAULTS, httpRouteOf } from './normalize-http.ts';
import { parsePort } from './ports.ts';
import { buildOf, resolvePath } from './rules/context.ts';
import { dependenciesOf } from './rules/references.ts';
import type { RawService } from './schema.ts';
import { splitWords } from './shell-words.ts';
import { compareText } from '../model/order.ts';

/** Docker's defaults, stated here so the normalised topology is explicit about them. */
export const DEFAULTS = {
  restart: 'unless-stopped',
  stopGracePeriodMs: 10_000,
  healthcheck: { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0 },
  secretsDir: '/run/secrets',
  dockerfile: 'Dockerfile',
} as const;

/** Where relative paths resolve and which host the service lands on. */
export interface ServiceSettings {
  directory: string;
  home: string;
  host: string;
}

/** Thrown only if a rule let through something normalisation cannot read: a bug. */
function invariant(message: string): never {
  throw new Error(`topology normalisation: ${message} (a rule should have reported this)`);
}

/** A plain object with keys in sorted order (deterministic JSON and hashing). */
export function sortedRecord<T>(entries: Iterable<[string, T]>): Record<string, T> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function imageOf(service: RawService, settings: ServiceSettings): ImageSource {
  const build = buildOf(service);
  if (!build) return { kind: 'image', ref: service.image ?? invariant('no image') };
  const args = typeof service.build === 'object' ? (service.build.args ?? {}) : {};
  return {
    kind: 'build',
    context: resolvePath(settings.directory, settings.home, build.context),
    dockerfile: build.dockerfile,
    args: sortedRecord(Object.entries(args).map(([k, v]) => [k, String(v)])),
    target: build.target,
  };
}

function secretsOf(secrets: RawService['secrets']): SecretMount[] {
  const target = (secret: string): string => `${DEFAULTS.secretsDir}/${secret}`;
  const mounts: SecretMount[] = Array.isArray(secrets)
    ? secrets.map((entry) =>
        typeof entry === 'string'
          ? { secret: entry, target: target(entry), envVar: undefined }
          : {
              secret: entry.source,
              target: entry.target ?? target(entry.source),
              envVar: entry.env,
            },
      )
    : Object.entries(secrets ?? {}).map(([variable, secret]) => ({
        secret,
        target: target(secret),
        envVar: `${variable}_FILE`,
      }));
  return mounts.sort((a, b) => compareText(a.target, b.target));
}

function portsOf(specs: string[] | undefined): PortMapping[] {
  return (specs ?? [])
    .map((spec) => {
      const parsed = parsePort(spec);
      return 'port' in parsed ? parsed.port : invariant(parsed.error);
    })
    .sort(
      (a, b) =>
        compareText(a.hostIp ?? '', b.hostIp ?? '') ||
        a.hostPort - b.hostPort ||
        compareText(a.protocol, b.protocol),
    );
}

function volumesOf(specs: string[] | undefined): VolumeMount[] {
  return (specs ?? [])
    .map((spec) => {
      const [volume = '', target = '', mode] = spec.split(':');
      return { volume, target, readOnly: mode === 'ro' };
    })
    .sort((a, b) => compareText(a.target, b.target));
}

function healthcheckOf(check: RawService['healthcheck']): Healthcheck | undefined {
  if (!check) return undefined;
  const test = normalizeHealthTest(check.test);
  const d = DEFAULTS.healthcheck;
  return {
    test: 'test' in test ? test.test : invariant(test.error),
    intervalMs: check.interval === undefined ? d.intervalMs : parseDuration(check.interval),
    timeoutMs: check.timeout === undefined ? d.timeoutMs : parseDuration(check.timeout),
    retries: check.retries ?? d.retries,
    startPeriodMs:
      check.start_period === undefined ? d.startPeriodMs : parseDuration(check.start_period),
  };
}

function restartOf(value: string | undefined): RestartPolicy {
  const [name = DEFAULTS.restart, count] = (value ?? DEFAULTS.restart).split(':');
  return {
    name: name as RestartPolicy['name'],
    maximumRetryCount: count === undefined ? 0 : Number(count),
  };
}

function commandOf(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return [...value];
  const split = splitWords(value);
  return 'words' in split ? split.words : invariant(split.error);
}

/** Normalise one service. */
export function normalizeService(
  name: string,
  service: RawService,
  settings: ServiceSettings,
): Service {
  return {
    name,
    image: imageOf(service, settings),
    env: sortedRecord(Object.entries(service.env ?? {}).map(([k, v]) => [k, String(v)])),
    secrets: secretsOf(service.secrets),
    ports: portsOf(service.ports),
    expose: [...new Set((service.expose ?? []).map(Number))].sort((a, b) => a - b),
    networks: [...new Set(service.networks ?? [])].sort(),
    volumes: volumesOf(service.volumes),
    dependsOn: sortedRecord(
      dependenciesOf(service.depends_on).map((d) => [d.name, d.condition as DependencyCondition]),
    ),
    healthcheck: healthcheckOf(service.healthcheck),
    restart: restartOf(service.restart),
    command: commandOf(service.command),
    entrypoint: commandOf(service.entrypoint),
    user: service.user === undefined ? undefined : String(service.user),
    stopGracePeriodMs:
      service.stop_grace_period === undefined
        ? DEFAULTS.stopGracePeriodMs
        : parseDuration(service.stop_grace_period),
    host: settings.host,
    http: httpRouteOf(service.http),
    replicas: service.replicas ?? HTTP_DEFAULTS.replicas,
  };
}
