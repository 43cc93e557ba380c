/**
 * A bounded HTTP load for redeploy tests (issue 19): N clients, each on its own keep-alive
 * connection, sending GETs one after another until stopped, and every response counted.
 *
 * One retry is allowed, the one browsers and HTTP libraries make: a GET sent on a REUSED
 * connection that the server closed before any byte of a response came back (RFC 9112 §9.3.1:
 * a client may retry an idempotent request on a connection closed before any response). Caddy
 * closes its idle keep-alive connections when it reloads (Go's Server.Shutdown), and such a
 * request crosses that close. Those retries are counted apart; any other error, or a retry that
 * fails again, is a failed request.
 */
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';

/** What a load run saw. */
export interface LoadReport {
  /** Responses received (any status). */
  responses: number;
  /** Responses with a status outside 2xx, a few kept as examples. */
  non2xx: number;
  non2xxSamples: string[];
  /** Requests that got no response, even after the one allowed retry. */
  failed: number;
  failedSamples: string[];
  /** Retries of a GET whose reused connection closed before any response byte. */
  retriesOnClosedIdle: number;
  /** Every 2xx body, in the order the responses completed. */
  bodies: string[];
  ms: number;
}

/** Where and how hard to send the load. */
export interface LoadOptions {
  /** Address to connect to; default 127.0.0.1. */
  address?: string;
  port: number;
  /** Host header (the proxy routes by it). */
  host: string;
  path: string;
  clients: number;
}

type Attempt =
  | { kind: 'response'; status: number; body: string }
  | { kind: 'error'; error: Error; retryable: boolean };

/** One GET on `agent`'s connection. */
function attempt(agent: Agent, options: LoadOptions): Promise<Attempt> {
  return new Promise((resolve) => {
    const req = request({
      host: options.address ?? '127.0.0.1',
      port: options.port,
      path: options.path,
      method: 'GET',
      agent,
      headers: { host: options.host },
    });
    let socket: Socket | undefined;
    let bytesBefore = 0;
    let responded = false;
    req.on('socket', (s: Socket) => {
      socket = s;
      bytesBefore = s.bytesRead;
    });
    req.setTimeout(10_000, () => req.destroy(new Error('no response within 10 s')));
    req.on('response', (res) => {
      responded = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          kind: 'response',
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', (error) => resolve({ kind: 'error', error, retryable: false }));
    });
    req.on('error', (error) => {
      // Retryable only when the connection was reused and not one byte of a response came.
      const silent = !responded && socket !== undefined && socket.bytesRead === bytesBefore;
      resolve({ kind: 'error', error, retryable: req.reusedSocket && silent });
    });
    req.end();
  });
}

/** Start `options.clients` clients; stop() ends them and reports. */
export function startLoad(options: LoadOptions): { stop(): Promise<LoadReport> } {
  const report: LoadReport = {
    responses: 0,
    non2xx: 0,
    non2xxSamples: [],
    failed: 0,
    failedSamples: [],
    retriesOnClosedIdle: 0,
    bodies: [],
    ms: 0,
  };
  const started = Date.now();
  let stopping = false;
  const record = (result: Attempt) => {
    if (result.kind === 'error') {
      report.failed++;
      if (report.failedSamples.length < 5) report.failedSamples.push(result.error.message);
      return;
    }
    report.responses++;
    if (result.status >= 200 && result.status < 300) report.bodies.push(result.body);
    else {
      report.non2xx++;
      if (report.non2xxSamples.length < 5)
        report.non2xxSamples.push(`${result.status} ${result.body.slice(0, 200)}`);
    }
  };
  const client = async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (!stopping) {
        let result = await attempt(agent, options);
        if (result.kind === 'error' && result.retryable) {
          report.retriesOnClosedIdle++;
          result = await attempt(agent, options);
        }
        record(result);
      }
    } finally {
      agent.destroy();
    }
  };
  const clients = Array.from({ length: options.clients }, client);
  return {
    async stop() {
      stopping = true;
      await Promise.all(clients);
      report.ms = Date.now() - started;
      return report;
    },
  };
}

/** One GET through the proxy: status and body (throws when no response comes). */
export async function getOnce(
  port: number,
  host: string,
  path = '/',
): Promise<{ status: number; body: string }> {
  const agent = new Agent({ keepAlive: false });
  try {
    const result = await attempt(agent, { port, host, path, clients: 1 });
    if (result.kind === 'error') throw result.error;
    return { status: result.status, body: result.body };
  } finally {
    agent.destroy();
  }
}
