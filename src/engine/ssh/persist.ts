/**
 * Opt-in persistent connections (like OpenSSH's ControlPersist): with NOTESCTL_SSH_PERSIST=SECONDS
 * a background process keeps one SSH connection per host open and offers it as a private unix
 * socket (`<state dir>/mux/<hash>.sock`, 0600 in a 0700 folder); each connection to that socket
 * becomes a channel to the remote Docker socket. Later commands talk HTTP to it with no SSH
 * handshake at all. The process exits after SECONDS without a client, or when the link breaks.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePrivateDir, stateDir } from '../../state-dir.ts';
import type { SshEndpoint } from '../../model/topology.ts';
import { describeEndpoint } from './endpoint.ts';
import type { KnownHostsFiles } from './known-hosts-files.ts';

/** What the background process needs (passed as JSON on its command line: no secrets in it). */
export interface MuxSpec {
  endpoint: SshEndpoint;
  socketPath: string;
  idleMs: number;
  knownHosts: KnownHostsFiles;
  sshAuthSock: string | undefined;
  home: string | undefined;
}

/** Idle time from NOTESCTL_SSH_PERSIST (seconds); undefined when persistence is off. */
export function persistMs(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.NOTESCTL_SSH_PERSIST?.trim();
  if (value === undefined || value === '' || value === '0') return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : undefined;
}

/** The socket of a host's persistent connection: one per login, address, port and engine socket. */
export function muxSocketPath(endpoint: SshEndpoint, env: NodeJS.ProcessEnv): string {
  const key = `${describeEndpoint(endpoint)} ${endpoint.socket} ${endpoint.identity ?? ''}`;
  // Short: unix socket paths are limited to 107 bytes.
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return join(stateDir(env), 'mux', `${hash}.sock`);
}

/** True when a persistent connection answers at `path`; a stale socket file is removed. */
export async function muxAnswers(path: string): Promise<boolean> {
  const answered = await new Promise<boolean>((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  if (!answered) await rm(path, { force: true });
  return answered;
}

/** Start the background process for `spec` (detached; it outlives this command). */
export async function startMux(spec: MuxSpec): Promise<void> {
  await ensurePrivateDir(join(spec.socketPath, '..'));
  const here = fileURLToPath(import.meta.url);
  const daemon = join(here, '..', `mux-daemon${extname(here)}`);
  const child = spawn(process.execPath, [daemon, JSON.stringify(spec)], {
    detached: true,
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH,
      ...(spec.home ? { HOME: spec.home } : {}),
      ...(spec.sshAuthSock ? { SSH_AUTH_SOCK: spec.sshAuthSock } : {}),
    },
  });
  child.unref();
}
