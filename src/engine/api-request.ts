/**
 * One Docker API call with a JSON answer, over node:http — the socket or the SSH channel agent.
 * The everyday calls (list, inspect, create, start, stop, remove, the upload of secret files) go
 * through here, so a command that needs nothing else never loads dockerode and its stream
 * libraries; streams (build, pull, load, save, logs, exec) stay with dockerode. Failures carry
 * what dockerode's do (`statusCode`, `json.message`, `code`), so wrap-error.ts treats both alike.
 */
import type { Agent, RequestOptions } from 'node:http';
import type { Labels } from './engine.ts';
import { http } from './node-http.ts';

/** Where requests go: a unix socket, or an agent that opens the connections. */
export type ApiTarget = { socketPath: string } | { agent: Agent };

/** A failed call, shaped like dockerode's errors. */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly json: { message?: string } | null;

  constructor(statusCode: number, json: { message?: string } | null, body: string) {
    super(`(HTTP code ${statusCode}) ${json?.message ?? body}`.trim());
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.json = json;
  }
}

/**
 * Where and how a request goes. Plain HTTP: no TLS server name. Left unset, the agent works one
 * out, and its first IPv6 check compiles a large regular expression (~20 ms of every command).
 */
export function requestTarget(target: ApiTarget): RequestOptions & { servername: string } {
  return { ...target, host: 'docker', servername: '' };
}

/** Options of apiRequest. */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path after the version prefix, with its query (`/containers/json?all=1`). */
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, instead of `body` (a tar archive for PUT …/archive). */
  raw?: { contentType: string; data: Buffer };
  /** Status codes that are not failures though not 2xx (304 "already started"). */
  accept?: number[];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Make one call under `prefix` (`/v1.41`); resolves with the parsed JSON answer, if any. */
export function apiRequest<T>(target: ApiTarget, prefix: string, call: ApiRequest): Promise<T> {
  const payload =
    call.raw?.data ??
    (call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body)));
  const options: RequestOptions & { servername: string } = {
    ...requestTarget(target),
    method: call.method,
    path: `${prefix}${call.path}`,
    headers:
      payload === undefined
        ? {}
        : {
            'Content-Type': call.raw?.contentType ?? 'application/json',
            'Content-Length': payload.length,
          },
  };
  return new Promise<T>((resolve, reject) => {
    const req = http.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        const json = text === '' ? undefined : parseJson(text);
        if ((status >= 200 && status < 300) || call.accept?.includes(status)) {
          resolve(json as T);
          return;
        }
        reject(new ApiError(status, (json as { message?: string } | undefined) ?? null, text));
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** A query string from defined values (`?all=true&filters=…`), empty when there are none. */
export function query(values: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values))
    if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * The `filters` value selecting what carries `labels` (and has the `present` label keys), plus
 * any other filters (`{ type: ['container'], event: ['die'] }`).
 */
export function labelFilter(
  labels: Labels,
  present: string[] = [],
  others: Record<string, string[]> = {},
): string {
  return JSON.stringify({
    ...others,
    label: [...Object.entries(labels).map(([k, v]) => `${k}=${v}`), ...present],
  });
}
