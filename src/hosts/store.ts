/**
 * The host store: hosts recorded by `notesctl provision`, one private JSON file each under
 * `<state dir>/hosts/<name>.json` (0600 in a 0700 folder). Records hold how to reach a host and
 * what notesctl created for it — never a secret: the generated key's *path* is kept, not the key.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { RESOURCE_NAME } from '../config/schema-parts.ts';
import { UsageError } from '../errors.ts';
import { LOCAL_HOST } from '../model/topology.ts';
import { assertPrivate, stateDir, writePrivateFile } from '../state-dir.ts';
import { compareText } from '../model/order.ts';

/** Host names: the topology's rule (safe in paths, shells and DNS). */
export const HOST_NAME = RESOURCE_NAME;

const digitalOceanSchema = z.object({
  dropletId: z.number().int(),
  firewallId: z.string().optional(),
  keyId: z.number().int().optional(),
  keyFingerprint: z.string().optional(),
  region: z.string(),
  size: z.string(),
  image: z.string(),
  /** The generated private key (0600, under the state dir). */
  keyPath: z.string(),
});

const recordSchema = z.object({
  version: z.literal(1),
  name: z.string().regex(HOST_NAME),
  driver: z.enum(['ssh', 'digitalocean']),
  user: z.string().min(1),
  hostname: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  identity: z.string().optional(),
  socket: z.string().startsWith('/'),
  createdAt: z.string(),
  /** What provisioning found: OS and engine version. */
  os: z.string().optional(),
  dockerVersion: z.string().optional(),
  digitalocean: digitalOceanSchema.optional(),
});

/** One recorded host. */
export type HostRecord = z.infer<typeof recordSchema>;

/** DigitalOcean resources notesctl created for a host. */
export type DigitalOceanResources = z.infer<typeof digitalOceanSchema>;

/** The store's folder. */
export function hostsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'hosts');
}

/** Check the name of a host being created (`local` is the implicit local engine). */
export function checkNewHostName(name: string | undefined): string {
  if (name === undefined || !HOST_NAME.test(name) || name === LOCAL_HOST) {
    throw new UsageError(
      `host name "${name ?? ''}": expected 1-63 of a-z, A-Z, 0-9, _, . and -, starting with a letter or digit, and not "local"`,
    );
  }
  return name;
}

function recordPath(name: string, env: NodeJS.ProcessEnv): string {
  if (!HOST_NAME.test(name)) {
    throw new UsageError(`"${name}" is not a valid host name`, {
      hint: 'Use 1-63 of a-z, A-Z, 0-9, _, . and -, starting with a letter or digit.',
    });
  }
  return join(hostsDir(env), `${name}.json`);
}

/** Read one record; undefined when the host is not recorded. */
export async function readHost(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HostRecord | undefined> {
  const path = recordPath(name, env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  await assertPrivate(path, 'file');
  return parseRecord(text, path);
}

/** Check a record's JSON; a damaged file is a clear error, not a crash. */
export function parseRecord(text: string, path: string): HostRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not valid JSON: ${(error as Error).message}`, {
      hint: 'Restore it from a backup, or remove it and provision the host again.',
    });
  }
  const parsed = recordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `${path}: ${issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'invalid host record'}`,
      { hint: 'Restore it from a backup, or remove it and provision the host again.' },
    );
  }
  return parsed.data;
}

/** Write (create or replace) a record. */
export async function writeHost(
  record: HostRecord,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const checked = recordSchema.parse(record);
  await writePrivateFile(recordPath(record.name, env), `${JSON.stringify(checked, null, 2)}\n`);
}

/** Every record, sorted by name. */
export async function listHosts(env: NodeJS.ProcessEnv = process.env): Promise<HostRecord[]> {
  let names: string[];
  try {
    names = await readdir(hostsDir(env));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records = await Promise.all(
    names
      .filter((file) => file.endsWith('.json') && HOST_NAME.test(file.slice(0, -5)))
      .map((file) => readHost(file.slice(0, -5), env)),
  );
  return records
    .filter((r): r is HostRecord => r !== undefined)
    .sort((a, b) => compareText(a.name, b.name));
}

/** Forget a host; true when a record was removed. */
export async function removeHost(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  const path = recordPath(name, env);
  try {
    await rm(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
