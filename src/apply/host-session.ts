/**
 * One host session for the commands that change a host (`up`, `down`, `restore`): the project
 * lock of this machine, the host's target, the deploy lock on the host itself (host-lock.ts),
 * and the calls a killed or cut-off run left unanswered (in either lock). They are opened in this
 * order and closed in reverse, whatever happens in between.
 */
import type { Topology } from '../model/topology.ts';
import { withTarget, type HostAccess, type OpenHooks } from '../targets/open.ts';
import type { Target } from '../targets/target.ts';
import type { EventSink } from './events.ts';
import { trackInFlight, type InFlightList } from './in-flight.ts';
import { RuntimeError } from '../errors.ts';
import { acquireHostLock, bothLocks, leaseMs } from './host-lock.ts';
import { acquireLock } from './lock.ts';

/** An open host: its target and the lock's list of calls in flight. */
export interface HostSession {
  target: Target;
  inFlight: InFlightList;
  /**
   * The command's signal (Ctrl-C), also aborted as soon as the deploy lock is found lost: work
   * in the session waits and executes with it, so a run taken over stops at once (issue 23).
   */
  signal: AbortSignal;
}

/** What a session needs from its command. */
export interface SessionOptions extends OpenHooks {
  /** The command holding the lock, as other runs will be told (`notesctl up`). */
  command: string;
  access: HostAccess;
  /** Progress of the inherited calls. */
  onEvent: EventSink;
  /** Called once when another run holds the lock (it is waited for up to a minute). */
  onWait: (owner: string) => void;
  /** The session takes the project down (see Target.beginTeardown). */
  teardown?: boolean;
  /** The command's own signal (Ctrl-C). */
  signal?: AbortSignal;
}

/** Run `fn` in a session on `host`: locked, inherited calls landed, target open. */
export async function withHostSession<T>(
  topology: Topology,
  host: string,
  options: SessionOptions,
  fn: (session: HostSession) => Promise<T>,
): Promise<T> {
  const lock = await acquireLock(topology.project, host, options.command, {
    waitMs: 60_000,
    onWait: options.onWait,
  });
  try {
    return await withTarget(
      topology,
      host,
      options.access,
      async (target) => {
        // The deploy lock on the host (issue 23): other machines' runs are waited for too.
        const onHost = await acquireHostLock(target.hostLock(), {
          command: options.command,
          waitMs: 120_000,
          leaseMs: leaseMs(),
          onWait: options.onWait,
          onTakeOver: (text) => options.onEvent({ type: 'note', text }),
        });
        const both = bothLocks(lock, onHost);
        try {
          const inFlight = trackInFlight(both);
          if (options.teardown) target.beginTeardown();
          // What a killed or cut-off run left unanswered lands before anything is observed.
          await target.finishInherited(inFlight, options.onEvent);
          const signals = [onHost.lostSignal, ...(options.signal ? [options.signal] : [])];
          const signal = AbortSignal.any(signals);
          const result = await fn({ target, inFlight, signal }).catch((error: unknown) => {
            // Whatever the work threw once the lock was lost (e.g. "interrupted"), the loss is why.
            throw onHost.lostSignal.aborted ? (onHost.lostSignal.reason as Error) : error;
          });
          if (onHost.lost !== undefined) throw new RuntimeError(onHost.lost);
          return result;
        } finally {
          // A host gone unreachable keeps its lock until the lease runs out.
          await onHost.release().catch(() => undefined);
        }
      },
      options,
    );
  } finally {
    await lock.release();
  }
}
