/**
 * Preloaded into a notesctl process (`node --import` this file) by bench/support/phases.ts: notes
 * when the process opens its TCP connection (the SSH link through the delay proxy), each chunk
 * it receives, when the connection closes and when the process exits, in ms since the process
 * began, and writes them as JSON to $BENCH_TRACE_FILE at exit. Unix sockets are not traced.
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';

/** What the trace file holds. */
export interface Trace {
  preload: number;
  connect?: number;
  inbound: number[];
  close?: number;
  exit: number;
}

const file = process.env.BENCH_TRACE_FILE;
if (file) {
  const trace: Trace = { preload: performance.now(), inbound: [], exit: 0 };
  // Kept unbound on purpose: it is called below with the socket as `this`.
  const connect = Reflect.get(net.Socket.prototype, 'connect') as (
    this: net.Socket,
    ...a: unknown[]
  ) => net.Socket;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    // net.connect() passes [options, callback] as one array; socket.connect(port, host) does not.
    const first: unknown = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    const tcp =
      typeof first === 'number' || (typeof first === 'object' && first && 'port' in first);
    if (tcp && trace.connect === undefined) {
      trace.connect = performance.now();
      // Seen through emit, not a 'data' listener: a listener would switch the socket to flowing
      // mode, and the bytes that arrive before ssh2 has loaded and listens would be lost.
      const emit = this.emit.bind(this);
      this.emit = (event: string | symbol, ...rest: unknown[]) => {
        if (event === 'data') trace.inbound.push(performance.now());
        return emit(event, ...rest);
      };
      this.once('close', () => (trace.close = performance.now()));
    }
    return connect.apply(this, args);
  };
  process.once('exit', () => {
    trace.exit = performance.now();
    writeFileSync(file, JSON.stringify(trace));
  });
}
