// A TCP proxy that delays every chunk by D ms in each direction, keeping order: WAN latency in
// front of a test host's sshd (shared/TESTBED.md "Latency": this kernel has no netem). It counts
// connections and bytes so tests can assert how many SSH connections a command opened.
import { createServer, connect, type Socket } from 'node:net';

/** Options of startDelayProxy. */
export interface DelayProxyOptions {
  targetHost: string;
  targetPort: number;
  /** A Unix socket to forward to instead of targetHost:targetPort (e.g. /run/docker.sock). */
  targetPath?: string;
  /** A Unix socket to listen on instead of a TCP port (`port` is then 0). */
  listenPath?: string;
  /** Delay added to every chunk, each way. */
  delayMs: number;
  /** Address to listen on (default 127.0.0.1). */
  listenHost?: string;
  /** Port to listen on (default: one the OS picks). */
  listenPort?: number;
}

/** What went through the proxy so far. */
export interface DelayProxyStats {
  /** Connections accepted since start (or the last reset). */
  connections: number;
  /** Connections open now. */
  active: number;
  bytesToTarget: number;
  bytesFromTarget: number;
}

/** A running delay proxy. */
export interface DelayProxy {
  host: string;
  port: number;
  stats: DelayProxyStats;
  /** Zero the counters (connections and bytes), e.g. before the command under test. */
  resetStats: () => void;
  /** Stop listening and cut every open connection. */
  close: () => Promise<void>;
}

// Past this many bytes in flight one way, stop reading that side until the queue drains.
const highWaterMark = 4 * 1024 * 1024;

/** What travels one way: data, the end of the stream, or a reset (which ends the connection). */
type Segment = Buffer | 'end' | 'reset';

/**
 * Forward `from` → `to`, each chunk `delayMs` after it arrived, in order, with backpressure. The
 * returned function sends a reset after what is queued, as a TCP reset follows the segments
 * sent before it: data already on its way still arrives.
 */
function pipeDelayed(
  from: Socket,
  to: Socket,
  delayMs: number,
  counted: (bytes: number) => void,
): () => void {
  const queue: { due: number; chunk: Segment }[] = [];
  let queuedBytes = 0;
  let timer: NodeJS.Timeout | undefined;

  const schedule = (): void => {
    const head = queue[0];
    if (timer !== undefined || head === undefined) return;
    timer = setTimeout(flush, Math.max(0, head.due - performance.now()));
  };
  const flush = (): void => {
    timer = undefined;
    // The other side is gone (an error, or close()): nothing queued can be delivered any more.
    if (to.destroyed) {
      queue.length = 0;
      return;
    }
    for (
      let head = queue[0];
      head !== undefined && head.due <= performance.now();
      head = queue[0]
    ) {
      if (to.writableNeedDrain) {
        to.once('drain', flush);
        return;
      }
      queue.shift();
      if (head.chunk === 'reset') {
        to.destroy();
        queue.length = 0;
        return;
      }
      if (head.chunk === 'end') {
        to.end();
        continue;
      }
      queuedBytes -= head.chunk.length;
      counted(head.chunk.length);
      to.write(head.chunk);
    }
    if (queuedBytes < highWaterMark && from.isPaused()) from.resume();
    schedule();
  };

  from.on('data', (chunk: Buffer) => {
    queue.push({ due: performance.now() + delayMs, chunk });
    queuedBytes += chunk.length;
    if (queuedBytes >= highWaterMark) from.pause();
    schedule();
  });
  // `from` may close before its last chunks and its end are due (it ends, and the other way ended
  // already): they are still delivered, so a connection closes on both sides, as a real one does.
  const push = (chunk: Segment): void => {
    queue.push({ due: performance.now() + delayMs, chunk });
    schedule();
  };
  from.on('end', () => push('end'));
  return () => push('reset');
}

/** Start a delay proxy in front of targetHost:targetPort. */
export function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  const stats: DelayProxyStats = {
    connections: 0,
    active: 0,
    bytesToTarget: 0,
    bytesFromTarget: 0,
  };
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };

  const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    stats.connections += 1;
    stats.active += 1;
    const upstream = connect(
      options.targetPath !== undefined
        ? { path: options.targetPath, allowHalfOpen: true }
        : {
            host: options.targetHost,
            port: options.targetPort,
            allowHalfOpen: true,
            noDelay: true,
          },
    );
    track(client);
    track(upstream);
    // Each side closes once both its directions are done (half-closes travel through the delay
    // queues like data); the connection counts as closed when both sides are.
    let closed = 0;
    const onClose = (): void => {
      closed += 1;
      if (closed === 2) stats.active -= 1;
    };
    client.on('close', onClose);
    upstream.on('close', onClose);
    // An error on either side (a reset) ends the whole connection, as a broken link would: after
    // what that side sent before it, which is still delivered.
    const resetUpstream = pipeDelayed(client, upstream, options.delayMs, (n) => {
      stats.bytesToTarget += n;
    });
    const resetClient = pipeDelayed(upstream, client, options.delayMs, (n) => {
      stats.bytesFromTarget += n;
    });
    client.on('error', resetUpstream);
    upstream.on('error', resetClient);
  });

  const host = options.listenHost ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const listening = (): void => {
      const address = server.address();
      if (
        address === null ||
        (typeof address === 'string') !== (options.listenPath !== undefined)
      ) {
        reject(new Error('delay proxy: not listening where asked'));
        return;
      }
      resolve({
        host,
        port: typeof address === 'string' ? 0 : address.port,
        stats,
        resetStats: () => {
          stats.connections = 0;
          stats.bytesToTarget = 0;
          stats.bytesFromTarget = 0;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    };
    if (options.listenPath !== undefined) server.listen(options.listenPath, listening);
    else server.listen(options.listenPort ?? 0, host, listening);
  });
}
