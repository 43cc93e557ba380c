/**
 * The redeploy benchmark's load (issue 19): an open-loop generator on a fixed schedule, like
 * wrk2 — request i is due at start + i / rate whatever happened to the earlier ones, so a stall
 * shows up as latency (measured from the time the request was *due*, not sent) instead of as
 * fewer requests. Paths take turns; keep-alive connections; loopback only; bounded in time.
 *
 * Every request ends as one of: a 2xx, another status, or an error (refused, reset, timeout…).
 * An error on a *reused* keep-alive connection closed before one byte of a response came is
 * also marked `closedIdle`: browsers and most clients retry exactly that case (RFC 9112 §9.3.1),
 * this generator does not, so the report can count it either way.
 */
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';

/** What happened to one request (times in ms since the load started). */
export interface RequestRecord {
  /** When it was due. */
  due: number;
  /** When it ended (response fully read, or error). */
  end: number;
  /** Index into the load's paths. */
  path: number;
  /** HTTP status; 0 for an error. */
  status: number;
  /** The error's code or message, for an error. */
  error?: string;
  /** An error on a reused connection closed before any response byte (see the file comment). */
  closedIdle?: boolean;
}

/** Where and how fast. */
export interface SteadyLoadOptions {
  port: number;
  paths: string[];
  /** Requests per second, all paths together. */
  rate: number;
  /** Hard bound: no request is due after this many ms, even if stop() is never called. */
  maxMs: number;
  /** A request with no complete response after this long is an error (`timeout`). */
  timeoutMs?: number;
  /** Keep-alive connections at most (requests queue for one beyond that). */
  connections?: number;
}

/** A running load. */
export interface SteadyLoad {
  /** ms since the load started (the clock of every record). */
  now(): number;
  /** Resolves with the end time of the first 2xx of a request due at or after `since`. */
  firstOkAfter(since: number, deadlineMs: number): Promise<number>;
  /** Stop scheduling, wait for the requests in flight, and return every record. */
  stop(): Promise<RequestRecord[]>;
}

/** Start the load on 127.0.0.1:`port`. */
export function startSteadyLoad(options: SteadyLoadOptions): SteadyLoad {
  const { port, paths, rate, maxMs } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections ?? 64 });
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const records: RequestRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  const waiters: { since: number; resolve: (at: number) => void }[] = [];
  let next = 0;
  let stopped = false;

  const finish = (record: RequestRecord) => {
    records.push(record);
    if (record.status < 200 || record.status >= 300) return;
    for (const w of waiters.filter((x) => record.due >= x.since)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(record.end);
    }
  };

  const send = (i: number) => {
    const due = i / (rate / 1000);
    const path = i % paths.length;
    const done = new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: paths[path], agent });
      // From the time the request was due: a request queued for a connection is late too.
      const timer = setTimeout(
        () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
        Math.max(1, due + timeoutMs - now()),
      );
      let socket: Socket | undefined;
      let bytesBefore = 0;
      let responded = false;
      let settled = false;
      const settle = (status: number, error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const record: RequestRecord = { due, end: now(), path, status };
        if (error) {
          record.error = (error as NodeJS.ErrnoException).code ?? error.message;
          const silent = !responded && socket !== undefined && socket.bytesRead === bytesBefore;
          if (req.reusedSocket && silent) record.closedIdle = true;
        }
        finish(record);
        resolve();
      };
      req.on('socket', (s: Socket) => {
        socket = s;
        bytesBefore = s.bytesRead;
      });
      req.on('response', (res) => {
        responded = true;
        res.resume();
        res.on('end', () => settle(res.statusCode ?? 0));
        res.on('error', (error) => settle(0, error));
        res.on('close', () => {
          if (!res.complete) settle(0, new Error('response cut short'));
        });
      });
      req.on('error', (error) => settle(0, error));
      req.end();
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };

  // Send whatever is due, then sleep until the next one (timers are coarse: catch up in bursts).
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const t = now();
    while (!stopped && next / (rate / 1000) <= Math.min(t, maxMs)) send(next++);
    if (stopped || next / (rate / 1000) > maxMs) return;
    timer = setTimeout(tick, Math.max(0, next / (rate / 1000) - now()));
  };
  tick();

  return {
    now,
    firstOkAfter(since, deadlineMs) {
      return new Promise((resolve, reject) => {
        const hit = records.find((r) => r.due >= since && r.status >= 200 && r.status < 300);
        if (hit) return resolve(hit.end);
        const waiter = { since, resolve };
        waiters.push(waiter);
        setTimeout(() => {
          if (!waiters.includes(waiter)) return;
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no 2xx within ${deadlineMs / 1000} s`));
        }, deadlineMs).unref();
      });
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      while (inFlight.size > 0) await Promise.all(inFlight);
      agent.destroy();
      return records.sort((a, b) => a.due - b.due);
    },
  };
}
