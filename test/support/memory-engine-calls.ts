/**
 * The call log of the in-memory engine (memory-engine.ts): every call in the order it arrived,
 * with the moment it was answered, and the test's levers on those calls — a fault to answer the
 * next matching call with, and gates that hold matching calls until the test lets them through.
 * One counter numbers arrivals and answers alike, so "B was sent after A was answered" is
 * `b.seq > a.answeredSeq`.
 */
import type { Engine } from '../../src/engine/engine.ts';

/** An Engine method, as calls are recorded. */
export type EngineMethod = Exclude<keyof Engine, 'hostName'>;

/** One call the engine received. */
export interface RecordedCall {
  /** Its place among arrivals and answers. */
  seq: number;
  method: EngineMethod;
  /** What it is about: a container's or network's name (not its id), a volume's, an image ref. */
  target: string | undefined;
  /** The service of the container it is about, from the container's labels. */
  service: string | undefined;
  /** The arguments as given. */
  args: unknown[];
  /** Milliseconds since the engine was made. */
  at: number;
  /** The counter's value when it was answered; undefined while in flight or never answered. */
  answeredSeq: number | undefined;
  outcome: 'ok' | 'failed' | undefined;
}

/** Which calls: a method, narrowed to one target or one service. */
export type CallMatch = EngineMethod | { method: EngineMethod; target?: string; service?: string };

/**
 * How the engine fails a call: answered with an HTTP status (the engine refused it), or with no
 * answer at all (the link broke; `landed`: the engine carried the call out all the same).
 */
export type Fault = { status: number; message: string } | { lostLink: true; landed?: boolean };

/** Holds matching calls until the test lets them through. */
export interface Gate {
  /** The calls held now, in arrival order. */
  held(): RecordedCall[];
  /** Resolves once `count` calls in all have arrived at the gate; fails after `ms` without. */
  arrived(count?: number, ms?: number): Promise<void>;
  /** Let through the held calls on `target` (a target or service name), or all and open for good. */
  release(target?: string): void;
}

/** True when `call` is one `match` names. */
function matches(call: RecordedCall, match: CallMatch): boolean {
  if (typeof match === 'string') return call.method === match;
  return (
    call.method === match.method &&
    (match.target === undefined || call.target === match.target) &&
    (match.service === undefined || call.service === match.service)
  );
}

/** A gate's held call: what it waits on, and what lets it go. */
interface Held {
  call: RecordedCall;
  go: () => void;
}

function makeGate(match: CallMatch): Gate & { admit(call: RecordedCall): Promise<void> | void } {
  let open = false;
  let count = 0;
  const held: Held[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    admit(call) {
      if (open || !matches(call, match)) return;
      count += 1;
      for (const w of waiters.filter((w) => w.count <= count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      return new Promise<void>((go) => held.push({ call, go }));
    },
    held: () => held.map((h) => h.call),
    arrived(wanted = 1, ms = 5_000) {
      if (count >= wanted) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(`${count} of ${wanted} ${JSON.stringify(match)} calls came in ${ms} ms`),
          );
        }, ms);
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        waiters.push({ count: wanted, resolve: done });
      });
    },
    release(target) {
      if (target === undefined) open = true;
      for (const h of [...held]) {
        if (target !== undefined && h.call.target !== target && h.call.service !== target) continue;
        held.splice(held.indexOf(h), 1);
        h.go();
      }
    },
  };
}

/** The calls an engine received, and the faults and gates waiting for the next ones. */
export class CallLog {
  readonly calls: RecordedCall[] = [];
  private seq = 0;
  private readonly born = performance.now();
  private readonly faults: { match: CallMatch; fault: Fault }[] = [];
  private readonly gates: ReturnType<typeof makeGate>[] = [];

  /**
   * Record a call, then wait while a gate holds it; resolves with the fault to answer it with,
   * if one was set for it (each fault answers one call).
   */
  async enter(
    method: EngineMethod,
    target: string | undefined,
    service: string | undefined,
    args: unknown[],
  ): Promise<{ call: RecordedCall; fault: Fault | undefined }> {
    const call: RecordedCall = {
      seq: ++this.seq,
      method,
      target,
      service,
      args,
      at: performance.now() - this.born,
      answeredSeq: undefined,
      outcome: undefined,
    };
    this.calls.push(call);
    for (const gate of this.gates) await gate.admit(call);
    const index = this.faults.findIndex((f) => matches(call, f.match));
    const fault = index < 0 ? undefined : this.faults.splice(index, 1)[0]?.fault;
    return { call, fault };
  }

  /** Mark `call` answered (a lost link is never answered: leave it). */
  answer(call: RecordedCall, outcome: 'ok' | 'failed'): void {
    call.answeredSeq = ++this.seq;
    call.outcome = outcome;
  }

  /** Answer the next call `match` names with `fault`. */
  failNext(match: CallMatch, fault: Fault): void {
    this.faults.push({ match, fault });
  }

  /** Hold every call `match` names until the gate lets it through. */
  hold(match: CallMatch): Gate {
    const gate = makeGate(match);
    this.gates.push(gate);
    return gate;
  }

  /** The calls `match` names, in arrival order. */
  find(match: CallMatch): RecordedCall[] {
    return this.calls.filter((c) => matches(c, match));
  }

  /** The one call `match` names; throws when there is none or more than one. */
  only(match: CallMatch): RecordedCall {
    const found = this.find(match);
    const [call] = found;
    if (found.length !== 1 || !call)
      throw new Error(`expected one ${JSON.stringify(match)} call, got ${found.length}`);
    return call;
  }

  /** The most calls in flight at once so far among those `match` names. */
  mostAtOnce(match: CallMatch): number {
    const edges = this.find(match).flatMap((c) => [
      { seq: c.seq, step: 1 },
      { seq: c.answeredSeq ?? Infinity, step: -1 },
    ]);
    let now = 0;
    let most = 0;
    for (const edge of edges.sort((a, b) => a.seq - b.seq)) {
      now += edge.step;
      most = Math.max(most, now);
    }
    return most;
  }
}

/** Resolves once every microtask queued so far (and those they queue) has run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
