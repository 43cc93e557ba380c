/**
 * What the commands that change hosts share: a progress renderer and a Ctrl-C signal around
 * their work, and the options of a host session reporting through the command's terminal.
 */
import type { EventSink } from '../../apply/events.ts';
import {
  withHostSession,
  type HostSession,
  type SessionOptions,
} from '../../apply/host-session.ts';
import type { Topology } from '../../model/topology.ts';
import { createProgress } from '../../output/progress.ts';
import type { OpenHooks } from '../../targets/open.ts';
import { hostAccess } from './host-access.ts';
import type { CommandContext } from '../context.ts';
import { interruptSignal } from './interrupt.ts';

/** Where a command's events go, and the signal Ctrl-C aborts. */
export interface Progress {
  onEvent: EventSink;
  signal: AbortSignal;
}

/** A host session for `notesctl <verb>`; a run already holding the lock is waited for. */
function sessionFor(
  context: CommandContext,
  verb: string,
  onEvent: EventSink,
  hooks: OpenHooks = {},
): SessionOptions {
  return {
    command: `notesctl ${verb}`,
    access: hostAccess(context),
    onEvent,
    onWait: (owner) =>
      context.terminal.info(
        verb === 'down' ? `waiting for ${owner}…` : `waiting for ${owner} to finish…`,
      ),
    ...hooks,
  };
}

/**
 * Run `fn` with progress drawn on the terminal and a signal that Ctrl-C aborts; with `warn`,
 * the first Ctrl-C says that the calls in flight are finished first.
 */
export async function withProgress<T>(
  { terminal }: CommandContext,
  options: { warn: boolean },
  fn: (progress: Progress) => Promise<T>,
): Promise<T> {
  const renderer = await createProgress(terminal);
  const interrupt = interruptSignal(
    options.warn
      ? () =>
          terminal.warn(
            'interrupted: finishing the calls in flight, then stopping (Ctrl-C again to quit now)',
          )
      : undefined,
  );
  try {
    return await fn({ onEvent: renderer.sink, signal: interrupt.signal });
  } finally {
    interrupt.dispose();
    renderer.stop();
  }
}

/** Where `inSessions` works: hosts (→ their services) of a topology, for `notesctl <verb>`. */
export interface SessionsOf {
  context: CommandContext;
  topology: Topology;
  hosts: Map<string, string[]>;
  verb: string;
  progress: Progress;
  /** Called with a host's services while its SSH handshake is under way. */
  whileConnecting?: (services: string[]) => void;
  /** The work takes the project down (SessionOptions.teardown). */
  teardown?: boolean;
}

/** `fn` in a session on each host, one host after the other; the results in host order. */
export async function inSessions<R>(
  { context, topology, hosts, verb, progress, whileConnecting, teardown }: SessionsOf,
  fn: (session: HostSession, services: string[], host: string) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (const [host, services] of hosts) {
    const hooks = whileConnecting ? { whileConnecting: () => whileConnecting(services) } : {};
    const session = {
      ...sessionFor(context, verb, progress.onEvent, hooks),
      teardown,
      signal: progress.signal,
    };
    results.push(await withHostSession(topology, host, session, (s) => fn(s, services, host)));
  }
  return results;
}
