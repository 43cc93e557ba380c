/**
 * Engine calls that outlive the process that sent them. A stop the engine has received goes on
 * after its caller dies: the engine waits up to the container's grace period, then stops it. If
 * the next `up` looked at the stack meanwhile, it would find the container running, leave it,
 * and say all is up just before the stop takes it down. So `up` and `down` list their stops and
 * removals in the lock file before sending them, and clear them once answered; a call left
 * unanswered (the process was killed, or its link to the engine broke) stays in the file, and
 * whoever takes the lock over next first sends the same calls again and waits for their answers,
 * so whatever the earlier run set in motion has landed before anything is observed. Each of
 * these calls is idempotent: a second stop waits for the same exit, a second removal finds
 * nothing (404).
 */
import { EngineError } from '../errors.ts';
import { isNotFound } from '../engine/wrap-error.ts';
import type { Engine } from '../engine/engine.ts';
import { describeOperation } from '../plan/format.ts';
import type { Operation, PlannedOperation } from '../plan/types.ts';
import type { EventSink } from './events.ts';
import type { Lock } from './lock.ts';

/** The kinds of call recorded while in flight: those that change what the next run observes. */
const TRACKED = ['stop-container', 'remove-container', 'remove-network', 'remove-volume'] as const;

/** A call that is recorded while in flight. */
export type InFlightCall = Extract<Operation, { kind: (typeof TRACKED)[number] }>;

/** The executor's hook around each operation (execute.ts). */
export interface InFlightTracker {
  begin(op: PlannedOperation): Promise<void>;
  /** The operation ended: with `error` when it failed. A call never answered stays listed. */
  end(op: PlannedOperation, error?: unknown): Promise<void>;
}

/**
 * True when the engine answered the call (success, or an error with its HTTP status): nothing
 * of it is still landing. False when the answer never came (a cut link, an engine gone).
 */
function answered(error: unknown): boolean {
  return error === undefined || (error instanceof EngineError && error.statusCode !== undefined);
}

function isTracked(operation: Operation): operation is InFlightCall {
  return (TRACKED as readonly string[]).includes(operation.kind);
}

/** A host session's tracker, which also finishes the calls inherited from an earlier run. */
export interface InFlightList extends InFlightTracker {
  /** Send the inherited calls again on `engine` and wait for their answers. */
  finishInherited(engine: Engine, onEvent: EventSink): Promise<void>;
}

/** Keep `lock`'s list of calls in flight: the inherited ones until finished, then this run's. */
export function trackInFlight(lock: Lock): InFlightList {
  const calls = new Map<string, InFlightCall>(
    (lock.inherited?.calls ?? []).map((call, i) => [`inherited:${i}`, call]),
  );
  // Best effort: a state disk that cannot take the list (full) must not stop a `down`; the
  // calls then go out unlisted, as before this list existed.
  const record = () => lock.recordInFlight([...calls.values()]).catch(() => undefined);
  return {
    async begin(op) {
      if (!isTracked(op.operation)) return;
      calls.set(op.id, op.operation);
      await record();
    },
    async end(op, error) {
      if (answered(error) && calls.delete(op.id)) await record();
    },
    async finishInherited(engine, onEvent) {
      const { inherited } = lock;
      if (!inherited) return;
      await Promise.all(
        inherited.calls.map(async (call, i) => {
          const id = `inherited:${i}`;
          const text = `finish ${describeOperation(call)} — sent by ${inherited.from}`;
          const started = Date.now();
          onEvent({
            type: 'op-start',
            id,
            service: 'service' in call ? call.service : undefined,
            text,
          });
          try {
            await sendAgain(engine, call);
            onEvent({ type: 'op-done', id, text, ms: Date.now() - started });
          } catch (error) {
            const why = error instanceof Error ? error.message : String(error);
            // No answer (the engine is unreachable): it stays listed for the next run.
            if (!answered(error)) {
              onEvent({ type: 'op-failed', id, text, error: why });
              throw error;
            }
            // Answered, so nothing of it is still landing: what it left is observed next.
            onEvent({ type: 'op-failed', id, text, error: `${why} (going on)` });
          }
          calls.delete(id);
          await record();
        }),
      );
    },
  };
}

/** The one engine call of a stop or removal; execute.ts sends them through here too. */
export async function sendCall(engine: Engine, call: InFlightCall): Promise<void> {
  switch (call.kind) {
    case 'stop-container':
      return engine.stopContainer(call.containerId, call.timeoutS);
    case 'remove-container':
      return engine.removeContainer(call.containerId, { force: true });
    case 'remove-network':
      return engine.removeNetwork(call.networkId);
    case 'remove-volume':
      return engine.removeVolume(call.name);
  }
}

/** The same call again; one that finds nothing (404) is done. */
async function sendAgain(engine: Engine, call: InFlightCall): Promise<void> {
  try {
    await sendCall(engine, call);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
