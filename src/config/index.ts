/**
 * Loading notesctl.config.yaml: read → YAML with positions → interpolate → schema → rules →
 * normalise. Every problem of the file is collected (with file:line:col and key path) and thrown
 * together as one ConfigError before anything else happens. Pure apart from reading the file, its
 * `.env` neighbour, build contexts and secret files: no engine, no network.
 */
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import type { Runtime, Topology } from '../model/topology.ts';
import type { Env } from './interpolate.ts';
import { loadYaml } from './load-yaml.ts';
import { Locator } from './locate.ts';
import { normalize } from './normalize.ts';
import { applyRecordedRuntimes } from './recorded-runtimes.ts';
import { Problems } from './problems.ts';
import { decodeText, parseDotEnv, readDotEnv, readTextFile } from './read-file.ts';
import { type Declared, runRules } from './rules/index.ts';
import type { RawTopology } from './schema.ts';
import { toValue } from './to-value.ts';
import { validate } from './validate.ts';

/** Options of loadTopology. */
export interface LoadTopologyOptions {
  /** Variables for `${VAR}`; default process.env. Values from `.env` fill in the unset ones. */
  env?: Record<string, string | undefined>;
  /** The CLI's --host: every service is placed on this host. */
  overrideHost?: string | undefined;
  /** Hosts known outside the file (recorded by `notesctl provision`): valid placements too. */
  knownHosts?: string[] | undefined;
  /** The runtime each recorded host was provisioned for, when its record says (issue 21). */
  hostRuntimes?: Record<string, Runtime> | undefined;
  /** Wraps the merged variables before use (the cache records which ones are looked up). */
  watchEnv?: ((env: Env) => Env) | undefined;
  /**
   * The bytes of the file and of its `.env` (undefined: none) when the caller already read them
   * (with readFileBytes): exactly these are checked, and nothing is read again.
   */
  bytes?: { text: Uint8Array; dotEnv: Uint8Array | undefined } | undefined;
}

/** Options of parseTopologyText (no `.env` reading: pass the merged variables in `env`). */
export interface ParseTopologyOptions {
  overrideHost?: string | undefined;
  /** Hosts known outside the file (the host store). */
  knownHosts?: string[] | undefined;
  /** The runtime each recorded host was provisioned for, when its record says (issue 21). */
  hostRuntimes?: Record<string, Runtime> | undefined;
  /** Home folder for `~`; default `env.HOME`, else the OS's. */
  home?: string | undefined;
}

const HINT =
  'docs/topology.md describes every key; schema/notesctl.schema.json gives editors completion';

/** Load, check and normalise a topology file; `file` is shown in messages as given. */
export async function loadTopology(
  file: string,
  options: LoadTopologyOptions = {},
): Promise<Topology> {
  const dotEnvShown = join(dirname(file), '.env');
  const read = options.bytes
    ? decodeText(options.bytes.text, file)
    : await readTextFile(file, file);
  if ('problems' in read) throw new ConfigError(read.problems, { hint: HINT });
  const dotEnv = options.bytes
    ? parseDotEnv(options.bytes.dotEnv, dotEnvShown)
    : await readDotEnv(resolve(dirname(file), '.env'), dotEnvShown);
  if ('problems' in dotEnv) throw new ConfigError(dotEnv.problems, { hint: HINT });
  const given = options.env ?? process.env;
  // Like compose: the process environment wins; `.env` only fills in what it does not set.
  const env: Record<string, string | undefined> = { ...dotEnv.env };
  for (const [key, value] of Object.entries(given)) if (value !== undefined) env[key] = value;
  return parseTopologyText(read.text, file, options.watchEnv ? options.watchEnv(env) : env, {
    overrideHost: options.overrideHost,
    knownHosts: options.knownHosts,
    hostRuntimes: options.hostRuntimes,
  });
}

/** Check and normalise topology text as if read from `file` (relative paths resolve beside it). */
export function parseTopologyText(
  text: string,
  file: string,
  env: Env = {},
  options: ParseTopologyOptions = {},
): Topology {
  const locator = new Locator();
  const problems = new Problems(file, locator);
  const fail = (): never => {
    throw new ConfigError(problems.sorted(), { hint: HINT });
  };
  const parsed = loadYaml(text, problems);
  if (!parsed) return fail();
  const directory = dirname(resolve(file));
  const dotEnvHint = `.env next to ${basename(file)}`;
  const { value, complete } = toValue(parsed, { locator, problems, env, dotEnvHint });
  if (!complete) return fail();
  const validated = validate(value, problems);
  const raw = validated && applyRecordedRuntimes(validated, options.hostRuntimes ?? {}, problems);
  const home = options.home ?? env.HOME ?? homedir();
  if (raw) {
    runRules({
      raw,
      declared: declaredNames(value),
      directory,
      home,
      overrideHost: options.overrideHost,
      knownHosts: options.knownHosts ?? [],
      hostRuntimes: options.hostRuntimes ?? {},
      problems,
    });
  }
  if (problems.count > 0 || !raw) return fail();
  return normalize(raw as RawTopology, {
    file: resolve(file),
    directory,
    home,
    overrideHost: options.overrideHost,
    hostRuntimes: options.hostRuntimes ?? {},
  });
}

/** Names declared in each section of the raw data, valid or not (for reference checks). */
function declaredNames(value: unknown): Declared {
  const keys = (section: string): string[] => {
    if (!value || typeof value !== 'object') return [];
    const inner = (value as Record<string, unknown>)[section];
    return inner && typeof inner === 'object' && !Array.isArray(inner) ? Object.keys(inner) : [];
  };
  return {
    services: keys('services'),
    networks: keys('networks'),
    volumes: keys('volumes'),
    secrets: keys('secrets'),
    hosts: keys('hosts'),
    clusters: keys('clusters'),
  };
}
