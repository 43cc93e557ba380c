/**
 * The operator's secret store: generated secrets are created once (strong random) and kept in
 * `<state dir>/secrets/<project>@<host>.json` (0600); file and env secrets are read at deploy
 * time. Values only ever leave this module as file contents for containers.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';
import type { Secret } from '../model/topology.ts';
import { readPrivateJson, writePrivateJson } from '../private-json.ts';
import { stateDir } from '../state-dir.ts';

interface StoreFile {
  version: 1;
  /** Key for the secrets digest in config hashes (never a secret value itself). */
  hashKey: string;
  secrets: Record<string, string>;
}

/** Resolved secret values for one project on one host. */
export interface SecretValues {
  values: Map<string, Buffer>;
  hashKey: Buffer;
  /** Names of generated secrets that do not exist yet (only in dry runs). */
  missing: string[];
  /** Path of the store file. */
  path: string;
  /** Whether the store file existed before this call. */
  existed: boolean;
}

/** Path of the store file for a project on a host. */
export function secretStorePath(
  project: string,
  host: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return join(stateDir(env), 'secrets', `${project}@${host}.json`);
}

function readStore(path: string): Promise<StoreFile | undefined> {
  // The folder too: it is what README promises (0600 in 0700), and a folder others can enter
  // lists every project and host the operator deploys to.
  return readPrivateJson(path, (text) => parseStore(text, path), { privateFolder: true });
}

function parseStore(text: string, path: string): StoreFile {
  try {
    const parsed = JSON.parse(text) as Record<string, unknown> | null;
    if (
      parsed?.version !== 1 ||
      typeof parsed.secrets !== 'object' ||
      typeof parsed.hashKey !== 'string'
    ) {
      throw new Error('unknown format');
    }
    return parsed as unknown as StoreFile;
  } catch {
    throw new UsageError(`secret store ${path} is damaged (not the JSON notesctl writes)`, {
      hint: 'Restore it from your backup. Deleting it makes notesctl generate new secrets, which existing databases will not accept.',
    });
  }
}

/**
 * Resolve every secret in `secrets`. Generated ones are created and saved unless `dryRun`
 * (then they are reported in `missing`). File and env secrets are read now.
 */
export async function resolveSecrets(
  project: string,
  host: string,
  secrets: Secret[],
  options: { dryRun: boolean; env?: NodeJS.ProcessEnv },
): Promise<SecretValues> {
  const env = options.env ?? process.env;
  const path = secretStorePath(project, host, env);
  const stored = await readStore(path);
  const store: StoreFile = stored ?? {
    version: 1,
    hashKey: randomBytes(32).toString('base64'),
    secrets: {},
  };
  const values = new Map<string, Buffer>();
  const missing: string[] = [];
  let changed = stored === undefined;
  for (const secret of secrets) {
    const source = secret.source;
    if (source.kind === 'generate') {
      const existing = store.secrets[secret.name];
      if (existing !== undefined) {
        values.set(secret.name, Buffer.from(existing, 'utf8'));
      } else if (options.dryRun) {
        missing.push(secret.name);
      } else {
        const value = randomBytes(source.length).toString('base64url');
        store.secrets[secret.name] = value;
        values.set(secret.name, Buffer.from(value, 'utf8'));
        changed = true;
      }
    } else if (source.kind === 'file') {
      values.set(secret.name, await readSecretFile(secret.name, source.path));
    } else {
      const value = env[source.variable];
      if (value === undefined || value === '') {
        throw new UsageError(
          `secrets.${secret.name}: environment variable ${source.variable} is not set`,
          {
            hint: `Set it for this command, e.g. \`${source.variable}=… notesctl up\` (it is read, never stored).`,
          },
        );
      }
      values.set(secret.name, Buffer.from(value, 'utf8'));
    }
  }
  if (changed && !options.dryRun) await writePrivateJson(path, store);
  return {
    values,
    hashKey: Buffer.from(store.hashKey, 'base64'),
    missing,
    path,
    existed: stored !== undefined,
  };
}

async function readSecretFile(name: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new UsageError(
      `secrets.${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        hint: 'Create the file or fix the path under `secrets:` in the topology.',
      },
    );
  }
}
