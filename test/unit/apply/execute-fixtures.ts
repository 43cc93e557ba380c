/**
 * Shared inputs for the executor's tests: small desired states planned by the real reconcile,
 * hand-built plans, and a run of a plan on a MemoryEngine that keeps the events it emitted.
 */
import type { ApplyEvent } from '../../../src/apply/events.ts';
import {
  executePlan,
  type ExecuteContext,
  type ExecuteResult,
  type SecretFiles,
} from '../../../src/apply/execute.ts';
import type { Service, Topology } from '../../../src/model/topology.ts';
import { desiredState } from '../../../src/plan/desired.ts';
import type { DesiredState, Plan, PlannedOperation } from '../../../src/plan/types.ts';
import { MemoryEngine } from '../../support/memory-engine.ts';
import { makeProxySettings, RELEASE_SETTINGS, makeService } from '../../support/model-fixtures.ts';

/** `up`'s default options for reconcile. */
export const UP = { forceRecreate: false, removeOrphans: false, wait: true };

/** The desired state of project `p` made of `services` (each from debian:12 unless said). */
export function stackOf(...services: Service[]): DesiredState {
  const topology: Topology = {
    project: 'p',
    file: '/p/notesctl.config.yaml',
    directory: '/p',
    hosts: {},
    clusters: {},
    networks: {},
    volumes: {},
    secrets: {},
    services: Object.fromEntries(services.map((s) => [s.name, s])),
    releases: RELEASE_SETTINGS,
    proxy: makeProxySettings(),
  };
  const names = services.map((s) => s.name);
  return desiredState({
    topology,
    host: 'local',
    services: names,
    images: new Map(
      services.map((s) => [
        s.name,
        {
          ref: s.image.kind === 'image' ? s.image.ref : s.name,
          id: 'sha256:x',
          healthTest: undefined,
        },
      ]),
    ),
    secretDigests: new Map(),
  });
}

/** A service of the small stacks: `makeService` with a healthcheck when `checked`. */
export function service(name: string, extra: Partial<Service> = {}, checked = false): Service {
  const healthcheck = checked
    ? { test: ['CMD', 'true'], intervalMs: 30_000, timeoutMs: 5_000, retries: 3, startPeriodMs: 0 }
    : undefined;
  return makeService(name, { healthcheck, ...extra });
}

/** An empty engine that has the images `desired` runs. */
export function engineFor(desired: DesiredState): MemoryEngine {
  return new MemoryEngine('local', [...new Set(desired.services.map((s) => s.spec.image))]);
}

/** Each secret file of `desired` with the content `value of <secret>`. */
export function secretsOf(desired: DesiredState): SecretFiles {
  return (name) =>
    (desired.services.find((s) => s.name === name)?.secretFiles ?? []).map((f) => ({
      target: f.target,
      content: Buffer.from(`value of ${f.secret}`),
    }));
}

/** A plan of project `p` on `local` made of `operations`. */
export function planOf(operations: PlannedOperation[], first?: string): Plan {
  return {
    project: 'p',
    host: 'local',
    operations,
    unchanged: [],
    orphans: [],
    ...(first ? { first } : {}),
  };
}

/** The creation of volume `name`, after the operations `after`. */
export function volumeOp(name: string, after: string[] = []): PlannedOperation {
  return {
    id: `volume:${name}`,
    operation: { kind: 'create-volume', volume: { key: name, name, labels: {} } },
    after,
    cause: 'test',
  };
}

/** A run of a plan: its events so far, and its outcome. */
export interface Run {
  events: ApplyEvent[];
  done: Promise<ExecuteResult>;
  abort: AbortController;
}

/** Start executing `plan` on `engine`; `context` overrides the defaults. */
export function execute(
  plan: Plan,
  engine: MemoryEngine,
  context: Partial<ExecuteContext> = {},
): Run {
  const events: ApplyEvent[] = [];
  const abort = new AbortController();
  const done = executePlan(plan, {
    engine,
    secretFiles: () => [],
    onEvent: (event) => events.push(event),
    signal: abort.signal,
    ...context,
  });
  // Tests look at the outcome after steering the run; a failure is not "unhandled" meanwhile.
  done.catch(() => undefined);
  return { events, done, abort };
}
