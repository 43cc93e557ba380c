/**
 * Run a Plan: every operation starts as soon as the ones it follows are done (and, until the
 * plan's `first` operation has been launched, only the ones it depends on), in parallel, with
 * no decisions of its own. On failure nothing new starts, running operations finish, and the
 * first error is thrown. On abort (Ctrl-C) the same, so the engine is never left mid-call.
 */
import { describeOperation } from '../plan/format.ts';
import type { Operation, Plan, PlannedOperation } from '../plan/types.ts';
import { RuntimeError } from '../errors.ts';
import type { Engine, ExitWatch } from '../engine/engine.ts';
import type { EventSink } from './events.ts';
import { sendCall, type InFlightTracker } from './in-flight.ts';
import { waitReady } from './readiness.ts';
import {
  checkThroughProxy,
  drainUpstream,
  writeProxyConfig,
  type ProxySecrets,
} from './proxy-ops.ts';
import { PROXY_SERVICE } from '../proxy/names.ts';
import { waitForCertificates } from './proxy-certificates.ts';

/** The contents of a service's secret files, read from the operator's secret store. */
export type SecretFiles = (service: string) => { target: string; content: Buffer }[];

/** What execution needs besides the plan. */
export interface ExecuteContext {
  engine: Engine;
  secretFiles: SecretFiles;
  onEvent: EventSink;
  signal: AbortSignal;
  /** Most operations at once (engine calls in flight). */
  concurrency?: number;
  /** Exits seen early, for operations that wait on a stop's `afterExit` only. */
  exits?: ExitWatch;
  /** Records stops and removals in flight in the project lock (in-flight.ts). */
  inFlight?: InFlightTracker;
  /** Values of the secrets the edge proxy's files come from (certificates). */
  proxySecrets?: ProxySecrets;
  /** Filled with the containers created, by service, as they are (read it after a failure). */
  created?: ExecuteResult;
}

/** Container ids created while executing, by service. */
export type ExecuteResult = Map<string, string>;

/** Execute a plan; resolves when every operation is done. */
export async function executePlan(plan: Plan, context: ExecuteContext): Promise<ExecuteResult> {
  const created: ExecuteResult = context.created ?? new Map<string, string>();
  const done = new Set<string>();
  /** Stop operations whose container has exited though the stop call has not returned yet. */
  const exited = new Set<string>();
  let wake: () => void = () => undefined;
  const pending = new Map(plan.operations.map((op) => [op.id, op]));
  /** Until plan.first has been launched, the only operations that may run (see Plan.first). */
  const leading = plan.first === undefined ? undefined : dependenciesOf(plan.first, plan);
  const running = new Map<string, Promise<void>>();
  const limit = context.concurrency ?? 8;
  let failure: unknown;

  const launch = (op: PlannedOperation): void => {
    pending.delete(op.id);
    const text = describeOperation(op.operation);
    const started = Date.now();
    context.onEvent({ type: 'op-start', id: op.id, service: serviceOf(op.operation), text });
    const task = runTracked(op, created, context, (progress) =>
      context.onEvent({ type: 'op-progress', id: op.id, text: progress }),
    ).then(
      () => {
        done.add(op.id);
        context.onEvent({ type: 'op-done', id: op.id, text, ms: Date.now() - started });
      },
      (error: unknown) => {
        failure ??= error;
        context.onEvent({
          type: 'op-failed',
          id: op.id,
          text,
          error: error instanceof Error ? error.message : String(error),
        });
      },
    );
    running.set(
      op.id,
      task.finally(() => running.delete(op.id)),
    );
    if (op.operation.kind === 'stop-container' && context.exits) {
      void context.exits.exited(op.operation.containerId).then(() => {
        if (done.has(op.id)) return;
        exited.add(op.id);
        context.onEvent({
          type: 'op-progress',
          id: op.id,
          text: `${text}: exited, the engine is cleaning up`,
        });
        wake();
      });
    }
  };
  const ready = (op: PlannedOperation): boolean =>
    (leading === undefined || leading.has(op.id) || !pending.has(plan.first ?? '')) &&
    op.after.every((id) => done.has(id)) &&
    (op.afterExit ?? []).every((id) => done.has(id) || exited.has(id));

  while (pending.size > 0 || running.size > 0) {
    if (failure === undefined && !context.signal.aborted) {
      for (const op of pending.values()) {
        if (running.size >= limit) break;
        if (ready(op)) launch(op);
      }
    }
    if (running.size === 0) {
      if (failure !== undefined || context.signal.aborted || pending.size === 0) break;
      throw new Error(
        `bug: plan has operations that can never run: ${[...pending.keys()].join(', ')}`,
      );
    }
    const woken = new Promise<void>((resolve) => (wake = resolve));
    await Promise.race([...running.values(), woken]);
  }
  // A wait that Ctrl-C cut short rejects with the abort's reason: that is the interruption
  // below, not a failure of the operation.
  if (failure !== undefined && !(context.signal.aborted && failure === context.signal.reason))
    throw failure instanceof Error ? failure : new Error('operation failed', { cause: failure });
  if (context.signal.aborted) {
    throw new RuntimeError('interrupted: stopped before the plan finished', {
      hint: 'Run `notesctl up` again: it picks up from what is there now.',
    });
  }
  return created;
}

/** `id` and every operation it waits for, directly or not. */
function dependenciesOf(id: string, plan: Plan): Set<string> {
  const byId = new Map(plan.operations.map((op) => [op.id, op]));
  const found = new Set<string>();
  const visit = (next: string): void => {
    const op = byId.get(next);
    if (found.has(next) || !op) return;
    found.add(next);
    for (const dep of [...op.after, ...(op.afterExit ?? [])]) visit(dep);
  };
  visit(id);
  return found;
}

function serviceOf(operation: Operation): string | undefined {
  return 'service' in operation ? operation.service : undefined;
}

/** Run one operation, listed as in flight (when it is a stop or a removal) until answered. */
async function runTracked(
  op: PlannedOperation,
  created: ExecuteResult,
  context: ExecuteContext,
  onProgress: (text: string) => void,
): Promise<void> {
  await context.inFlight?.begin(op);
  try {
    await runOperation(op.operation, created, context, onProgress);
  } catch (error) {
    await context.inFlight?.end(op, error);
    throw error;
  }
  await context.inFlight?.end(op);
}

async function runOperation(
  operation: Operation,
  created: ExecuteResult,
  context: ExecuteContext,
  onProgress: (text: string) => void,
): Promise<void> {
  const { engine } = context;
  const idOf = (service: string, known: string | undefined): string => {
    const id = known ?? created.get(service);
    if (!id) throw new Error(`bug: no container id for ${service}`);
    return id;
  };
  switch (operation.kind) {
    case 'create-network':
      await engine.createNetwork(operation.network);
      return;
    case 'create-volume':
      await engine.createVolume(operation.volume);
      return;
    case 'create-container':
      created.set(
        operation.instance ?? operation.service,
        await engine.createContainer(operation.spec),
      );
      return;
    case 'connect-network':
      await engine.connectNetwork(
        operation.network,
        idOf(operation.instance ?? operation.service, operation.containerId),
        operation.aliases,
      );
      return;
    case 'disconnect-network':
      await engine.disconnectNetwork(operation.network, operation.containerId);
      return;
    case 'proxy-config':
      await writeProxyConfig(
        engine,
        idOf(PROXY_SERVICE, operation.proxyId),
        operation.files,
        context.proxySecrets ?? noSecrets,
        operation.reload,
      );
      return;
    case 'proxy-check':
      await checkThroughProxy(
        engine,
        idOf(PROXY_SERVICE, operation.proxyId),
        operation.service,
        operation,
        context.signal,
        onProgress,
      );
      return;
    case 'proxy-certificates':
      await waitForCertificates(
        engine,
        idOf(PROXY_SERVICE, operation.proxyId),
        operation,
        context.signal,
        onProgress,
      );
      return;
    case 'drain':
      await drainUpstream(
        engine,
        idOf(PROXY_SERVICE, operation.proxyId),
        operation,
        context.signal,
        onProgress,
      );
      return;
    case 'copy-secrets':
      await copySecrets(
        engine,
        idOf(operation.instance ?? operation.service, undefined),
        context.secretFiles(operation.service),
      );
      return;
    case 'start-container':
      await engine.startContainer(
        idOf(operation.instance ?? operation.service, operation.containerId),
      );
      return;
    case 'stop-container':
    case 'remove-container':
    case 'remove-network':
    case 'remove-volume':
      await sendCall(engine, operation);
      return;
    case 'host-step':
      throw new Error(`bug: a plain server's step reached the Docker executor: ${operation.title}`);
    case 'wait-ready':
      await waitReady(
        engine,
        operation.service,
        idOf(operation.instance ?? operation.service, operation.containerId),
        operation.condition,
        operation.readiness,
        context.signal,
        onProgress,
      );
      return;
  }
}

function noSecrets(secret: string): Buffer {
  throw new Error(`bug: the proxy needs secret ${secret} but the plan's executor was given none`);
}

/**
 * Secret files go in with one upload per directory, mode 0444 owned by root — the same default
 * as Docker swarm secrets: readable by the container's own (possibly non-root) user, stored only
 * in that container's writable layer, never in an image, env or label.
 */
async function copySecrets(
  engine: Engine,
  containerId: string,
  files: { target: string; content: Buffer }[],
): Promise<void> {
  const byDirectory = new Map<
    string,
    { name: string; content: Buffer; mode: number; uid: number; gid: number }[]
  >();
  for (const file of files) {
    const slash = file.target.lastIndexOf('/');
    const directory = file.target.slice(0, slash) || '/';
    const list = byDirectory.get(directory) ?? [];
    list.push({
      name: file.target.slice(slash + 1),
      content: file.content,
      mode: 0o444,
      uid: 0,
      gid: 0,
    });
    byDirectory.set(directory, list);
  }
  for (const [directory, list] of byDirectory) await engine.putFiles(containerId, directory, list);
}
