/**
 * The topology cache: the normalised topology of a file already checked, reused while nothing it
 * was made from has changed, so everyday commands skip YAML parsing and schema validation — and
 * loading the libraries behind them, most of a warm command's start-up.
 *
 * An entry is reused only when all of these are what they were when it was written:
 * - the notesctl build (a new version re-checks everything);
 * - the bytes of the file and of its `.env` neighbour, the file's absolute path, `--host`, the
 *   recorded host names and runtimes, and the home folder;
 * - the value of every environment variable the file's `${VAR}`s looked up (kept as a digest);
 * - the kind, and for files the size, mtime, ctime and inode, of every path the checks looked at
 *   (build contexts, Dockerfiles, secret files, the proxy's ACME root).
 * Only topologies that passed every check are written, so an error is always reported afresh.
 * Entries live in `<state dir>/cache/` (0600 in 0700, like the secrets they sit beside); a
 * missing, unreadable or corrupt entry is a miss, never an error.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Runtime, Topology } from '../model/topology.ts';
import { stateDir, writePrivateFile } from '../state-dir.ts';

/** What a cached topology was made from, apart from the environment and the checked paths. */
export interface CacheInputs {
  /** notesctl's build id; entries of another build are never reused. */
  build: string;
  /** Absolute path of the topology file. */
  file: string;
  text: Uint8Array;
  /** The `.env` neighbour's bytes, undefined when there is none. */
  dotEnv: Uint8Array | undefined;
  overrideHost: string | undefined;
  knownHosts: string[];
  /** The runtime each recorded host was provisioned for, when its record says (issue 21). */
  hostRuntimes: Record<string, Runtime>;
  home: string;
}

interface CacheEntry {
  format: number;
  key: string;
  /** Variables looked up while loading, and a digest of their values then. */
  variables: string[];
  variablesDigest: string;
  /** Paths the checks looked at, with their signature then. */
  paths: [string, string][];
  topology: Topology;
}

const FORMAT = 1;

function sha256(parts: (string | Uint8Array)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(typeof part === 'string' ? part : Buffer.from(part));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Where the entry for these inputs lives (one per file and --host). */
function entryPath(inputs: CacheInputs, env: NodeJS.ProcessEnv): string {
  const name = sha256([inputs.file, inputs.overrideHost ?? '']).slice(0, 32);
  return join(stateDir(env), 'cache', `topology-${name}.json`);
}

function keyOf(inputs: CacheInputs): string {
  return sha256([
    String(FORMAT),
    inputs.build,
    inputs.file,
    inputs.text,
    inputs.dotEnv === undefined ? '-' : '+',
    inputs.dotEnv ?? '',
    inputs.overrideHost ?? '',
    [...inputs.knownHosts].sort().join('\n'),
    Object.entries(inputs.hostRuntimes)
      .map(([name, runtime]) => `${name}=${runtime}`)
      .sort()
      .join('\n'),
    inputs.home,
  ]);
}

/** Digest of the named variables' values; unset and empty differ. */
function variablesDigest(names: string[], env: Record<string, string | undefined>): string {
  return sha256(names.flatMap((name) => [name, env[name] === undefined ? '-' : `=${env[name]}`]));
}

/** What is at `path` now: enough to notice any change a check could see. */
async function signature(path: string): Promise<string> {
  try {
    const info = await stat(path, { bigint: true });
    if (info.isDirectory()) return 'folder';
    if (!info.isFile()) return 'other';
    return `file:${info.size}:${info.mtimeNs}:${info.ctimeNs}:${info.ino}`;
  } catch {
    return 'missing';
  }
}

/** The paths whose state the checks depended on, read from the topology they produced. */
function checkedPaths(topology: Topology): string[] {
  const paths = new Set<string>();
  for (const service of Object.values(topology.services)) {
    if (service.image.kind !== 'build') continue;
    paths.add(service.image.context);
    paths.add(resolve(service.image.context, service.image.dockerfile));
  }
  for (const secret of Object.values(topology.secrets))
    if (secret.source.kind === 'file') paths.add(resolve(topology.directory, secret.source.path));
  // Issue 19: the rules checked that the proxy's ACME root is a readable file.
  if (topology.proxy.acme.caRoot !== undefined) paths.add(topology.proxy.acme.caRoot);
  // Issue 21: the rules checked that a host's Node tarball (`node.file`) exists.
  for (const host of Object.values(topology.hosts))
    if (host.node?.source.kind === 'file') paths.add(host.node.source.path);
  return [...paths].sort();
}

/** Whether parsed JSON has the shape of an entry (a damaged one must be a miss, not a throw). */
function isEntry(value: unknown): value is CacheEntry {
  if (typeof value !== 'object' || value === null) return false;
  const { variables, paths, topology } = value as Record<string, unknown>;
  return (
    Array.isArray(variables) &&
    variables.every((name) => typeof name === 'string') &&
    Array.isArray(paths) &&
    paths.every(
      (pair) =>
        Array.isArray(pair) &&
        pair.length === 2 &&
        typeof pair[0] === 'string' &&
        typeof pair[1] === 'string',
    ) &&
    typeof topology === 'object' &&
    topology !== null &&
    !Array.isArray(topology)
  );
}

/**
 * The cached topology for these inputs, or undefined. `env` is the environment the variables are
 * read from now (the process environment: `.env`'s part is covered by its bytes in the key).
 */
export async function readCachedTopology(
  inputs: CacheInputs,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Topology | undefined> {
  let entry: unknown;
  try {
    entry = JSON.parse(await readFile(entryPath(inputs, env), 'utf8'));
  } catch {
    return undefined;
  }
  if (!isEntry(entry) || entry.format !== FORMAT || entry.key !== keyOf(inputs)) return undefined;
  if (variablesDigest(entry.variables, env) !== entry.variablesDigest) return undefined;
  const now = await Promise.all(entry.paths.map(([path]) => signature(path)));
  if (now.some((sig, i) => sig !== entry.paths[i]?.[1])) return undefined;
  return entry.topology;
}

/**
 * Remember a topology that passed every check. `variables` are the names its loading looked up;
 * `env` the process environment they were read from. Failing to write is not an error.
 */
export async function writeCachedTopology(
  inputs: CacheInputs,
  variables: Iterable<string>,
  topology: Topology,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const names = [...new Set(variables)].sort();
  const paths = checkedPaths(topology);
  const signatures = await Promise.all(paths.map((path) => signature(path)));
  const entry: CacheEntry = {
    format: FORMAT,
    key: keyOf(inputs),
    variables: names,
    variablesDigest: variablesDigest(names, env),
    paths: paths.map((path, i) => [path, signatures[i] ?? 'missing']),
    topology,
  };
  try {
    await writePrivateFile(entryPath(inputs, env), JSON.stringify(entry));
  } catch {
    // A read-only home or a full disk only costs the next command its speed-up.
  }
}

/** An environment that records the names looked up in it (for the cache's variable list). */
export function recordingEnv(env: Record<string, string | undefined>): {
  env: Record<string, string | undefined>;
  names: Set<string>;
  /** Whether something listed every variable: then the result depends on all of them. */
  enumerated: () => boolean;
} {
  const names = new Set<string>();
  let enumerated = false;
  const proxy = new Proxy(env, {
    ownKeys(target) {
      enumerated = true;
      return Reflect.ownKeys(target);
    },
    get(target, name, receiver) {
      if (typeof name === 'string') names.add(name);
      return Reflect.get(target, name, receiver) as unknown;
    },
    has(target, name) {
      if (typeof name === 'string') names.add(name);
      return Reflect.has(target, name);
    },
  });
  return { env: proxy, names, enumerated: () => enumerated };
}
