/**
 * Loading the topology for a command: the file named by -f, with --host applied, and the
 * hosts recorded by `notesctl provision` accepted as placements. An unchanged file comes from the
 * topology cache (src/config/cache.ts); the loader, with its YAML and schema libraries, is
 * imported only when the file must be checked.
 */
import { readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { GlobalOptions } from '../context.ts';
import { BUILD_ID } from '../../build-id.ts';
import {
  type CacheInputs,
  readCachedTopology,
  recordingEnv,
  writeCachedTopology,
} from '../../config/cache.ts';
import type { Topology } from '../../model/topology.ts';
import { hostsDir, HOST_NAME, recordedRuntimes } from '../../hosts/store.ts';
import { readFileBytes } from '../../config/read-file.ts';

/** Names of recorded hosts (file names only: cheap, no parsing). */
export async function recordedHostNames(): Promise<string[]> {
  try {
    return (await readdir(hostsDir()))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length));
  } catch {
    return [];
  }
}

/**
 * A file's bytes, read with the loader's own limits; undefined when there is none, null when it
 * is there but cannot be used (a folder, no permission, over 1 MiB): then only the loader can say
 * what is wrong, so the cache is not used.
 */
async function bytesOf(path: string): Promise<Uint8Array | undefined | null> {
  const read = await readFileBytes(path, path);
  if ('bytes' in read) return read.bytes;
  return read.missing ? undefined : null;
}

/** The command's topology. */
export async function loadForCommand(global: GlobalOptions): Promise<Topology> {
  const knownHosts = await recordedHostNames();
  // Issue 21: a recorded host deploys with the runtime it was provisioned for.
  const hostRuntimes = await recordedRuntimes(knownHosts.filter((h) => HOST_NAME.test(h)));
  let inputs: CacheInputs | undefined;
  if (BUILD_ID !== undefined) {
    const file = resolve(global.file);
    const [text, dotEnv] = await Promise.all([bytesOf(file), bytesOf(join(dirname(file), '.env'))]);
    if (text && dotEnv !== null) {
      inputs = {
        build: BUILD_ID,
        file,
        text,
        dotEnv,
        overrideHost: global.host,
        knownHosts,
        hostRuntimes,
        home: homedir(),
      };
      const cached = await readCachedTopology(inputs);
      if (cached) return cached;
    }
  }
  const { loadTopology } = await import('../../config/index.ts');
  let recorder: ReturnType<typeof recordingEnv> | undefined;
  const topology = await loadTopology(global.file, {
    overrideHost: global.host,
    knownHosts,
    hostRuntimes,
    watchEnv: (env) => {
      recorder = recordingEnv({ ...env });
      return recorder.env;
    },
    // The loader checks the very bytes the cache key was made of.
    bytes: inputs && { text: inputs.text, dotEnv: inputs.dotEnv },
  });
  if (inputs && recorder && !recorder.enumerated())
    await writeCachedTopology(inputs, recorder.names, topology);
  return topology;
}
