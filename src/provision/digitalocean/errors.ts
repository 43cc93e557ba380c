/**
 * Errors from DigitalOcean's API, in words a user can act on: the endpoint, the HTTP status and
 * DigitalOcean's own error id and message. The token is never part of any of them: it lives only
 * in the Authorization header, which no error or message reads.
 */
import { NotesctlError } from '../../errors.ts';

/** Where a failed call went: `POST /v2/droplets`. */
export interface Endpoint {
  method: string;
  /** Path and query as sent, without the base URL. */
  path: string;
}

/** A hint for the statuses where there is an obvious next step. */
function hintFor(status: number, id: string | undefined): string | undefined {
  if (status === 401) {
    return 'check the DigitalOcean API token: it may be mistyped, revoked or expired';
  }
  if (status === 403) return 'the token lacks a scope this call needs (give it read and write)';
  if (status === 429 || id === 'too_many_requests') {
    return 'the account is over its API rate limit (5,000 requests/hour, 250/minute); wait and run again';
  }
  if (status >= 500) return 'DigitalOcean had a server-side problem; run again in a minute';
  return undefined;
}

/** DigitalOcean answered with an error status. */
export class DigitalOceanApiError extends NotesctlError {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** DigitalOcean's error id, e.g. `unprocessable_entity`, when the body carried one. */
  readonly errorId: string | undefined;
  readonly requestId: string | undefined;

  constructor(
    endpoint: Endpoint,
    details: { status: number; id?: string | undefined; message: string; requestId?: string },
    options?: { hint?: string; cause?: unknown },
  ) {
    const id = details.id === undefined ? '' : ` ${details.id}`;
    const request = details.requestId === undefined ? '' : ` (request ${details.requestId})`;
    super(
      `DigitalOcean ${endpoint.method} ${endpoint.path}: ${details.status}${id}: ${details.message}${request}`,
      { hint: options?.hint ?? hintFor(details.status, details.id), cause: options?.cause },
    );
    this.method = endpoint.method;
    this.path = endpoint.path;
    this.status = details.status;
    this.errorId = details.id;
    this.requestId = details.requestId;
  }
}

/** The API could not be reached, or did not answer in time. */
export class DigitalOceanNetworkError extends NotesctlError {
  readonly method: string;
  readonly path: string;

  constructor(endpoint: Endpoint, message: string, options?: { hint?: string; cause?: unknown }) {
    super(`DigitalOcean ${endpoint.method} ${endpoint.path}: ${message}`, options);
    this.method = endpoint.method;
    this.path = endpoint.path;
  }
}

/** True for a 404 from DigitalOcean (the resource is not there). */
export function isNotFound(error: unknown): error is DigitalOceanApiError {
  return error instanceof DigitalOceanApiError && error.status === 404;
}
