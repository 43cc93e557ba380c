/**
 * The two known_hosts files notesctl consults: the operator's ~/.ssh/known_hosts (read, never
 * written: keys the operator already trusts count) and notesctl's own `<state dir>/known_hosts`
 * (keys accepted through notesctl; 0600, written atomically).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { stateDir, writePrivateFile } from '../../state-dir.ts';
import {
  formatKnownHostsLine,
  parseKnownHosts,
  withoutHost,
  type KnownHostEntry,
} from './known-hosts.ts';

/** Where the known_hosts files are. */
export interface KnownHostsFiles {
  /** notesctl's own file (written). */
  own: string;
  /** The operator's OpenSSH file (read only). */
  operator: string;
}

/** The default files for this environment. */
export function knownHostsFiles(env: NodeJS.ProcessEnv = process.env): KnownHostsFiles {
  return {
    own: join(stateDir(env), 'known_hosts'),
    operator: join(env.HOME ?? homedir(), '.ssh', 'known_hosts'),
  };
}

async function readIfPresent(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** Every entry of both files, notesctl's first. */
export async function readKnownHosts(files: KnownHostsFiles): Promise<KnownHostEntry[]> {
  const [own, operator] = await Promise.all([
    readIfPresent(files.own),
    readIfPresent(files.operator),
  ]);
  return [...parseKnownHosts(own, files.own), ...parseKnownHosts(operator, files.operator)];
}

/** Record a host key in notesctl's own file. */
export async function recordHostKey(
  files: KnownHostsFiles,
  hostname: string,
  port: number,
  key: Buffer,
): Promise<void> {
  const current = await readIfPresent(files.own);
  const prefix = current === '' || current.endsWith('\n') ? current : `${current}\n`;
  await writePrivateFile(files.own, prefix + formatKnownHostsLine(hostname, port, key));
}

/** Forget every key notesctl recorded for a host; true when something was removed. */
export async function forgetHostKeys(
  files: KnownHostsFiles,
  hostname: string,
  port: number,
): Promise<boolean> {
  const current = await readIfPresent(files.own);
  if (current === '') return false;
  const next = withoutHost(current, hostname, port, files.own);
  if (next === current) return false;
  await writePrivateFile(files.own, next);
  return true;
}
