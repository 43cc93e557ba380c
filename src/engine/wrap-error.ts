/**
 * Engine errors are wrapped once, here: each names the host, the operation and the resource,
 * keeps Docker's own message, and adds a next step for the common cases.
 */
import { EngineError } from '../errors.ts';

interface DockerodeError {
  statusCode?: number;
  json?: { message?: string } | null;
  reason?: string;
  code?: string;
  message?: string;
}

/** Convert whatever dockerode/ssh threw into an EngineError. */
export function wrapEngineError(
  error: unknown,
  details: { host: string; operation: string; resource?: string | undefined; endpoint?: string },
): EngineError {
  if (error instanceof EngineError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as DockerodeError;
  const statusCode = e.statusCode;
  // On streaming endpoints (build, load, pull) docker-modem leaves `json` empty and puts the
  // engine's words only in the message, "(HTTP code 500) server error - <cause>": keep the
  // cause ("no space left on device"), not the bare "server error".
  const streamCause = /^\(HTTP code \d+\) [^-]*- ([\s\S]+)$/.exec(e.message ?? '')?.[1]?.trim();
  const dockerMessage = (
    e.json?.message ??
    (streamCause !== undefined && streamCause !== '' ? streamCause : undefined) ??
    e.reason ??
    e.message ??
    String(error)
  ).trim();
  let hint: string | undefined;
  let message = dockerMessage;
  if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES') {
    message = `cannot reach the Docker engine${details.endpoint ? ` at ${details.endpoint}` : ''} (${e.code})`;
    hint =
      e.code === 'EACCES'
        ? 'Run as a user in the docker group, or as root.'
        : 'Start Docker (`sudo systemctl start docker`, or `sudo scripts/setup true` in this repository), or point DOCKER_HOST at a running engine.';
  } else if (e.code === 'ECONNRESET') {
    // "socket hang up": the engine took the call, then the connection broke before its answer.
    hint = `The connection to the engine of host ${details.host} broke before it answered; the call may still be carried out. Check that the engine runs, then run the command again: an \`up\` or \`down\` first finishes what was left unanswered.`;
  } else if (statusCode === 404) {
    hint = undefined;
  } else if (statusCode === 409) {
    hint = 'Another notesctl or docker command may be changing the same resource.';
  } else if (typeof dockerMessage === 'string' && /no space left on device/i.test(dockerMessage)) {
    hint = `The disk of host ${details.host} is full: free space (docker system prune) and retry.`;
  }
  return new EngineError(
    { host: details.host, operation: details.operation, resource: details.resource, statusCode },
    message,
    { hint, cause: error },
  );
}

/** True when the error is a 404 from the engine. */
export function isNotFound(error: unknown): boolean {
  return error instanceof EngineError
    ? error.statusCode === 404
    : (error as DockerodeError).statusCode === 404;
}
