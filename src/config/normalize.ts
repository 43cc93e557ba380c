/**
 * The validated topology → the normalised Topology every later stage reads. Runs only after the
 * schema and every rule passed, so it does no checking of its own.
 */
import {
  DEFAULT_REMOTE_SOCKET,
  DEFAULT_RUNTIME,
  LOCAL_HOST,
  type SecretSource,
  type Topology,
  DEFAULT_RELEASES_KEPT,
  type Runtime,
} from '../model/topology.ts';
import { proxyOf } from './normalize-http.ts';
import { nodeSettingsOf } from './normalize-node.ts';
import { normalizeService, sortedRecord } from './normalize-service.ts';
import { resolvePath } from './rules/context.ts';
import type { RawTopology } from './schema.ts';
import { parseSshTarget } from './ssh-target.ts';

/** Bytes of entropy of a generated secret when `length` is not given. */
export const DEFAULT_SECRET_LENGTH = 32;

/** Where the file is, for paths and messages, and the CLI's placement override. */
export interface NormalizeSettings {
  /** Absolute path of the topology file. */
  file: string;
  directory: string;
  home: string;
  overrideHost: string | undefined;
  /** The runtime each recorded host was provisioned for, when its record says (issue 21). */
  hostRuntimes: Record<string, Runtime>;
}

function secretSource(
  secret: NonNullable<RawTopology['secrets']>[string],
  settings: NormalizeSettings,
): SecretSource {
  if (secret.file !== undefined) {
    return { kind: 'file', path: resolvePath(settings.directory, settings.home, secret.file) };
  }
  if (secret.env !== undefined) return { kind: 'env', variable: secret.env };
  return { kind: 'generate', length: secret.length ?? DEFAULT_SECRET_LENGTH };
}

/** The runtimes of recorded hosts the file does not declare, other than docker (the default). */
function recordedRuntimesOf(
  raw: RawTopology,
  settings: NormalizeSettings,
): Pick<Topology, 'recordedRuntimes'> {
  const entries = Object.entries(settings.hostRuntimes).filter(
    ([name, runtime]) => runtime !== DEFAULT_RUNTIME && raw.hosts?.[name] === undefined,
  );
  return entries.length > 0 ? { recordedRuntimes: sortedRecord(entries) } : {};
}

/** Normalise a topology that passed the schema and all rules. */
export function normalize(raw: RawTopology, settings: NormalizeSettings): Topology {
  const { directory, home } = settings;
  const defaultHost = settings.overrideHost ?? raw.host ?? LOCAL_HOST;
  return {
    project: raw.project,
    file: settings.file,
    directory,
    hosts: sortedRecord(
      Object.entries(raw.hosts ?? {}).map(([name, host]) => {
        const target = parseSshTarget(host.ssh);
        if ('error' in target) throw new Error(`topology normalisation: ${target.error}`);
        const identity =
          host.identity === undefined ? undefined : resolvePath(directory, home, host.identity);
        const socket = host.socket ?? DEFAULT_REMOTE_SOCKET;
        return [
          name,
          {
            name,
            ...target,
            identity,
            socket,
            runtime: host.runtime ?? DEFAULT_RUNTIME,
            firewall: host.firewall ?? false,
            ...(host.runtime === 'systemd' || host.runtime === 'pm2'
              ? { node: nodeSettingsOf(host.node, directory, home) }
              : {}),
          },
        ];
      }),
    ),
    clusters: sortedRecord(
      Object.entries(raw.clusters ?? {}).map(([name, c]) => {
        const members = [...c.managers, ...(c.workers ?? [])];
        return [
          name,
          { name, managers: c.managers, workers: c.workers ?? [], edge: c.edge ?? members },
        ];
      }),
    ),
    networks: sortedRecord(
      Object.entries(raw.networks ?? {}).map(([name, n]) => [
        name,
        { name, internal: n?.internal ?? false, encrypted: n?.encrypted ?? true },
      ]),
    ),
    volumes: sortedRecord(Object.keys(raw.volumes ?? {}).map((name) => [name, { name }])),
    secrets: sortedRecord(
      Object.entries(raw.secrets ?? {}).map(([name, s]) => [
        name,
        { name, source: secretSource(s, settings) },
      ]),
    ),
    services: sortedRecord(
      Object.entries(raw.services).map(([name, service]) => [
        name,
        normalizeService(name, service, {
          directory,
          home,
          host: settings.overrideHost ?? service.host ?? defaultHost,
        }),
      ]),
    ),
    ...recordedRuntimesOf(raw, settings),
    proxy: proxyOf(raw.proxy, directory, home),
    releases: { keep: raw.releases?.keep ?? DEFAULT_RELEASES_KEPT },
  };
}
