/**
 * The host store: hosts recorded by `notesctl provision`, one private JSON file each under
 * `<state dir>/hosts/<name>.json` (0600 in a 0700 folder). Records hold how to reach a host and
 * what notesctl created for it — never a secret: the generated key's *path* is kept, not the key.
 */
import { readdir, rm } from 'node:fs/promises';
import type { HostRecord } from './record.ts';
import { join } from 'node:path';
import { RESOURCE_NAME } from '../model/names.ts';
import { checkedBefore, rememberChecked } from '../checked-before.ts';
import { UsageError } from '../errors.ts';
import { LOCAL_HOST, type Runtime } from '../model/topology.ts';
import { readPrivateJson, writePrivateJson } from '../private-json.ts';
import { stateDir } from '../state-dir.ts';
import { compareText } from '../model/order.ts';

/** Host names: the topology's rule (safe in paths, shells and DNS). */
export const HOST_NAME = RESOURCE_NAME;

export type { DigitalOceanResources, HostRecord } from './record.ts';

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
  return readPrivateJson(path, (text) => checkRecord(text, path, env));
}

/**
 * Check a record's text. A text this build checked before (the usual case: notesctl wrote it) is
 * taken as it is; anything else goes through the schema, loaded for it.
 */
async function checkRecord(
  text: string,
  path: string,
  env: NodeJS.ProcessEnv,
): Promise<HostRecord> {
  if (await checkedBefore('host', text, env)) return JSON.parse(text) as HostRecord;
  const { parseRecord } = await import('./record.ts');
  const record = parseRecord(text, path);
  await rememberChecked('host', text, env);
  return record;
}

/** Write (create or replace) a record. */
export async function writeHost(
  record: HostRecord,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const { recordSchema } = await import('./record.ts');
  const checked = recordSchema.parse(record);
  await writePrivateJson(recordPath(record.name, env), checked);
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

/**
 * The runtime each recorded host was provisioned for, when its record says (issue 21). A record
 * that cannot be read is left out here: the command that reaches that host reports it.
 */
export async function recordedRuntimes(
  names: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Record<string, Runtime>> {
  const records = await Promise.all(
    names.map((name) => readHost(name, env).catch(() => undefined)),
  );
  const runtimes: Record<string, Runtime> = {};
  for (const record of records) if (record?.runtime) runtimes[record.name] = record.runtime;
  return runtimes;
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
