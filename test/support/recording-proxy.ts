/**
 * A recording proxy in front of a real Docker socket: notesctl runs with
 * DOCKER_HOST=unix://<proxy socket>, every API request is forwarded to the real engine and its
 * method and path are recorded. Tests use it to count (mutating) engine calls of a real command.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One recorded API request. */
export interface RecordedCall {
  method: string;
  path: string;
}

/** A running proxy. */
export interface RecordingProxy {
  socketPath: string;
  dockerHost: string;
  calls: RecordedCall[];
  /** Calls that change engine state (anything but GET/HEAD). */
  mutating(): RecordedCall[];
  reset(): void;
  close(): Promise<void>;
}

/** Start a proxy to `target` (default /run/docker.sock). */
export async function startRecordingProxy(target = '/run/docker.sock'): Promise<RecordingProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'notesctl-proxy-'));
  const socketPath = join(dir, 'docker.sock');
  const calls: RecordedCall[] = [];
  const record = (req: IncomingMessage) =>
    calls.push({ method: req.method ?? '?', path: req.url ?? '' });
  const server = createServer((req, res) => {
    record(req);
    // A connection of its own per call (agent: false): a pooled keep-alive connection that the
    // engine closed while idle would fail the next call with "socket hang up", which the client
    // would see as the engine's doing.
    const upstream = request(
      {
        socketPath: target,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: false,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  // Exec/attach upgrade the connection to a raw stream: replay the request head, then splice.
  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
    record(req);
    const upstream = connect(target, () => {
      const lines = [`${req.method ?? 'POST'} ${req.url ?? '/'} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        lines.push(`${req.rawHeaders[i] ?? ''}: ${req.rawHeaders[i + 1] ?? ''}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  // No idle timeout, as dockerd has none: one would race a client reusing the connection at that
  // very moment (a request sent as the server closes gets "socket hang up", as from any server).
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    dockerHost: `unix://${socketPath}`,
    calls,
    mutating: () => calls.filter((c) => c.method !== 'GET' && c.method !== 'HEAD'),
    reset: () => {
      calls.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `calls` without the deploy lock's own (issue 23): the create of `notesctl-lock-<project>` and
 * the one container removal after it (the lock's release) — every `up` and `down` makes these two.
 */
export function besidesDeployLock(calls: RecordedCall[], project: string): RecordedCall[] {
  const create = calls.findIndex(
    (c) =>
      c.method === 'POST' && c.path.includes(`/containers/create?name=notesctl-lock-${project}`),
  );
  if (create < 0) return calls;
  const removal = calls.findIndex(
    (c, i) => i > create && c.method === 'DELETE' && /\/containers\/[0-9a-f]{64}\?/.test(c.path),
  );
  return calls.filter((_, i) => i !== create && i !== removal);
}
