// Make sure a local Docker engine answers (shared/TESTBED.md "A real Docker engine"): install
// docker.io from Debian when dockerd is missing (root only), start dockerd when nothing answers,
// and wait until GET /_ping does. An engine that already answers is simply used.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { withLock } from './lock.ts';
import { commandName, isRunning, readPidFile } from './procs.ts';
import { log, since } from './log.ts';

/** Where the engine listens: a unix socket or a TCP address. */
export type EngineEndpoint =
  { kind: 'unix'; socketPath: string } | { kind: 'tcp'; host: string; port: number };

/** What ensureEngine found or did. */
export interface EngineReport {
  endpoint: EngineEndpoint;
  action: 'running' | 'started' | 'installed-and-started';
  ms: number;
}

const defaultSocket = '/var/run/docker.sock';
const defaultPidFile = '/var/run/docker.pid';
const logFile = '/var/log/dockerd.log';

/** The engine DOCKER_HOST names, or the default socket. */
export function engineEndpoint(dockerHost = process.env.DOCKER_HOST): EngineEndpoint {
  if (dockerHost === undefined || dockerHost === '') {
    return { kind: 'unix', socketPath: defaultSocket };
  }
  if (dockerHost.startsWith('unix://')) {
    return { kind: 'unix', socketPath: dockerHost.slice('unix://'.length) };
  }
  const tcp = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(dockerHost);
  if (tcp?.[1] !== undefined && tcp[2] !== undefined) {
    return { kind: 'tcp', host: tcp[1], port: Number(tcp[2]) };
  }
  throw new Error(`DOCKER_HOST=${dockerHost}: the test bed manages unix:// or tcp:// engines only`);
}

/** True when the engine answers GET /_ping with OK within `timeoutMs`. */
export function pingEngine(endpoint: EngineEndpoint, timeoutMs = 2000): Promise<boolean> {
  const target =
    endpoint.kind === 'unix'
      ? { socketPath: endpoint.socketPath }
      : { host: endpoint.host, port: endpoint.port };
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 && body === 'OK'));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Poll the engine until it answers; false when `deadlineMs` passes first or `gaveUp()` says so. */
export async function waitForEngine(
  endpoint: EngineEndpoint,
  deadlineMs: number,
  gaveUp: () => boolean = () => false,
): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (await pingEngine(endpoint, 1000)) return true;
    if (gaveUp()) return false;
    await sleep(100);
  }
  return false;
}

/** Absolute path of a program on PATH or in the sbin directories root's PATH may lack. */
export function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  return dirs
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, name))
    .find((path) => existsSync(path));
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Install Debian's docker.io without letting the package start services (no init system here). */
async function installDockerIo(): Promise<void> {
  log('dockerd not found: installing docker.io from Debian (apt-get)');
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    await execa('apt-get', ['update', '-qq'], { env, stdout: 'ignore' });
    await execa('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'docker.io'], {
      env,
      stdout: 'ignore',
    });
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
}

/** The pid of the running dockerd named by the pid file; removes a stale pid file. */
function runningDockerd(): number | undefined {
  if (!existsSync(defaultPidFile)) return undefined;
  const pid = readPidFile(defaultPidFile);
  if (pid !== undefined && isRunning(pid) && commandName(pid) === 'dockerd') return pid;
  // dockerd refuses to start while its pid file names another process.
  log(`removing stale ${defaultPidFile} (pid ${pid ?? '?'} is not a running dockerd)`);
  rmSync(defaultPidFile, { force: true });
  return undefined;
}

/** Start dockerd in its own session, logging to /var/log/dockerd.log; returns a liveness probe. */
function startDockerd(dockerd: string): () => boolean {
  const out = openSync(logFile, 'a');
  const child = spawn(dockerd, [], { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  let exited = false;
  child.on('exit', () => (exited = true));
  child.on('error', () => (exited = true));
  child.unref();
  log(`started dockerd (pid ${child.pid ?? '?'}), log ${logFile}`);
  return () => exited;
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Make sure the local Docker engine answers; install and start it when needed (as root). */
export async function ensureEngine(options: { deadlineMs?: number } = {}): Promise<EngineReport> {
  const start = performance.now();
  const endpoint = engineEndpoint();
  if (await pingEngine(endpoint)) {
    return { endpoint, action: 'running', ms: since(start) };
  }
  if (endpoint.kind !== 'unix' || endpoint.socketPath !== defaultSocket) {
    // Another socket would need its own data root, exec root and pid file: not ours to invent.
    throw new Error(`no Docker engine answers at ${process.env.DOCKER_HOST ?? defaultSocket}`);
  }
  if (!isRoot()) {
    throw new Error(
      `no Docker engine answers at ${endpoint.socketPath}, and starting one needs root: ` +
        `run "sudo node scripts/testbed.ts engine" (or scripts/setup as root)`,
    );
  }
  return withLock('engine', async () => {
    // Another process may have started it while we waited for the lock.
    if (await pingEngine(endpoint)) return { endpoint, action: 'running', ms: since(start) };
    const deadlineMs = options.deadlineMs ?? 60_000;
    const pid = runningDockerd();
    if (pid !== undefined) {
      // Started by someone else and still coming up, or hung: give it the same deadline.
      log(`dockerd (pid ${pid}) is running but does not answer yet; waiting`);
      if (await waitForEngine(endpoint, deadlineMs)) {
        return { endpoint, action: 'running', ms: since(start) };
      }
      throw new Error(
        `dockerd (pid ${pid}) does not answer on ${endpoint.socketPath}; see ${logFile}`,
      );
    }
    let action: EngineReport['action'] = 'started';
    let dockerd = findProgram('dockerd');
    if (dockerd === undefined) {
      await installDockerIo();
      action = 'installed-and-started';
      dockerd = findProgram('dockerd');
      if (dockerd === undefined) throw new Error('docker.io is installed but dockerd is not found');
    }
    const exited = startDockerd(dockerd);
    if (!(await waitForEngine(endpoint, deadlineMs, exited))) {
      throw new Error(
        `dockerd did not answer on ${endpoint.socketPath}; ${logFile} ends:\n${tail(logFile)}`,
      );
    }
    log(`engine answers on ${endpoint.socketPath} after ${since(start)} ms`);
    return { endpoint, action, ms: since(start) };
  });
}
