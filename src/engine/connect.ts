/**
 * Open an Engine for a host: the local engine through its socket (DOCKER_HOST=unix://… or
 * /run/docker.sock), remote hosts through one SSH connection (src/engine/ssh, issue 6).
 */
import { UsageError } from '../errors.ts';
import { DockerEngine } from './docker-engine.ts';
import type { Engine } from './engine.ts';

/** The local engine's socket path from DOCKER_HOST, else the default. */
export function localSocketPath(env: NodeJS.ProcessEnv): string {
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost === undefined || dockerHost === '') return '/run/docker.sock';
  if (dockerHost.startsWith('unix://'))
    return dockerHost.slice('unix://'.length) || '/run/docker.sock';
  throw new UsageError(`DOCKER_HOST=${dockerHost} is not supported for the local engine`, {
    hint: 'Use a unix:// socket for the local engine; remote engines are declared under `hosts:` and reached with --host NAME.',
  });
}

/** Connect to the local engine. */
export function connectLocalEngine(env: NodeJS.ProcessEnv = process.env): Engine {
  return new DockerEngine('local', { kind: 'socket', socketPath: localSocketPath(env) });
}
