/**
 * Running a cluster plan (issue 20): each step one call through the manager, or a wait for a
 * service's tasks, or a probe of an overlay's data plane through the nodes' engines. Secret
 * values are looked up when their step runs, never carried in the plan.
 */
import type { EventSink } from '../../apply/events.ts';
import { runSteps } from '../../apply/run-steps.ts';
import { sleep } from '../../apply/sleep.ts';
import { EngineError, RuntimeError } from '../../errors.ts';
import type { Engine } from '../../engine/engine.ts';
import {
  createObject,
  createOverlay,
  createService,
  listObjects,
  removeObject,
  removeService,
  updateService,
  type ServiceSpec,
} from '../../engine/swarm-services.ts';
import { projectSelector } from '../../model/names.ts';
import type { SwarmCall } from '../../plan/swarm-call.ts';
import type { Plan } from '../../plan/types.ts';
import { probeOverlay } from './probe.ts';
import { waitService } from './wait-service.ts';

/** What running a cluster plan needs. */
export interface SwarmExecution {
  project: string;
  manager: Engine;
  /** Every reachable member's engine, by host name (probes, volume removals). */
  nodes: Map<string, Engine>;
  /** A topology secret's value (for create-secret). */
  secretValue: (secret: string) => Buffer;
  onEvent: EventSink;
  signal: AbortSignal;
}

/** Calls in flight at once: creations are independent, waits mostly sleep. */
const CONCURRENCY = 6;

/** The spec with each secret and config reference's id filled in from its name. */
async function withIds(x: SwarmExecution, spec: ServiceSpec): Promise<ServiceSpec> {
  const container = spec.TaskTemplate.ContainerSpec;
  const labels = projectSelector(x.project);
  const [secrets, configs] = await Promise.all([
    container.Secrets.length > 0 ? listObjects(x.manager, 'secrets', labels) : [],
    (container.Configs?.length ?? 0) > 0 ? listObjects(x.manager, 'configs', labels) : [],
  ]);
  const idOf = (list: { id: string; name: string }[], name: string): string => {
    const found = list.find((o) => o.name === name);
    if (!found) throw new Error(`bug: ${name} was not created before ${spec.Name}`);
    return found.id;
  };
  return {
    ...spec,
    TaskTemplate: {
      ...spec.TaskTemplate,
      ContainerSpec: {
        ...container,
        Secrets: container.Secrets.map((s) => ({ ...s, SecretID: idOf(secrets, s.SecretName) })),
        ...(container.Configs
          ? {
              Configs: container.Configs.map((c) => ({
                ...c,
                ConfigID: idOf(configs, c.ConfigName),
              })),
            }
          : {}),
      },
    },
  };
}

async function runCall(
  call: SwarmCall,
  x: SwarmExecution,
  progress: (text: string) => void,
): Promise<void> {
  const m = x.manager;
  switch (call.kind) {
    case 'create-network':
      await createOverlay(m, call);
      return;
    case 'create-secret':
      await createObject(m, 'secrets', { ...call, data: x.secretValue(call.secret) });
      return;
    case 'create-config':
      await createObject(m, 'configs', { ...call, data: Buffer.from(call.text) });
      return;
    case 'create-service':
      await createService(m, await withIds(x, call.spec));
      return;
    case 'update-service':
      await updateService(m, call.id, call.version, await withIds(x, call.spec));
      return;
    case 'wait-service':
      await waitService(x, call, progress);
      return;
    case 'probe-network':
      await probeOverlay(x, call.name, call.encrypted, progress);
      return;
    case 'remove-service':
      await removeService(m, call.id, call.name);
      return;
    case 'remove-secret':
      await removeObject(m, 'secrets', call.id, call.name);
      return;
    case 'remove-config':
      await removeObject(m, 'configs', call.id, call.name);
      return;
    case 'remove-network':
      await untilFree(x, () => m.removeNetwork(call.id), progress);
      return;
    case 'remove-volume': {
      const node = x.nodes.get(call.host);
      if (!node)
        throw new RuntimeError(`cannot remove volume ${call.name}: ${call.host} is not reachable`);
      await untilFree(x, () => node.removeVolume(call.name), progress);
      return;
    }
  }
}

/** How long a removal waits for the tasks of removed services to let go of a resource. */
const FREE_TIMEOUT_MS = 60_000;

/**
 * Retry a removal while the engine says the resource is in use: a removed service's tasks stop
 * on their nodes a little later, and only then free its networks and volumes.
 */
async function untilFree(
  x: SwarmExecution,
  remove: () => Promise<void>,
  progress: (text: string) => void,
): Promise<void> {
  const deadline = Date.now() + FREE_TIMEOUT_MS;
  for (;;) {
    try {
      await remove();
      return;
    } catch (error) {
      const inUse =
        error instanceof EngineError &&
        (error.statusCode === 409 || /in use|active endpoints/i.test(error.message));
      if (!inUse || Date.now() > deadline) throw error;
      progress('waiting for the removed tasks to stop');
      await sleep(500, x.signal);
    }
  }
}

/** Run `plan` on the cluster. */
export function executeSwarmPlan(plan: Plan, x: SwarmExecution): Promise<void> {
  return runSteps(plan, {
    concurrency: CONCURRENCY,
    onEvent: x.onEvent,
    run: (op, progress) => {
      x.signal.throwIfAborted();
      const operation = op.operation;
      if (operation.kind !== 'swarm-step')
        return Promise.reject(new Error(`bug: ${operation.kind} in a cluster plan`));
      return runCall(operation.call, x, progress);
    },
  });
}
