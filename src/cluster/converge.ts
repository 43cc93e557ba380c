/**
 * Carrying out a membership plan (membership.ts) with no decisions of its own beyond ordering:
 * init; managers join one at a time (raft adds one voter at a time), workers together; node
 * updates in parallel; leavers one at a time (drain → leave → remove). Events go to the sink.
 */
import type { EventSink } from '../apply/events.ts';
import { NotesctlError } from '../errors.ts';
import type { Engine } from '../engine/engine.ts';
import {
  initSwarm,
  joinSwarm,
  leaveSwarm,
  readJoinTokens,
  readLocalSwarm,
  SWARM_PORT,
  type JoinTokens,
} from '../engine/swarm-cluster.ts';
import {
  countRunningTasks,
  listNodes,
  removeGatewayBridge,
  removeNode,
  updateNode,
} from '../engine/swarm-nodes.ts';
import { pollUntil } from './poll.ts';
import type { MemberLink } from './members.ts';
import { describeStep, type MembershipStep, type ObservedCluster } from './membership.ts';

/** What the executor works with: open links (members and reachable leavers) and what was seen. */
export interface ConvergeInput {
  links: Map<string, MemberLink>;
  observed: ObservedCluster;
  steps: MembershipStep[];
  sink: EventSink;
}

type Step<K extends MembershipStep['kind']> = Extract<MembershipStep, { kind: K }>;

/** The run's mutable knowledge: the control manager, node ids of members, the join tokens. */
class Run {
  control: string | undefined;
  readonly nodeIds = new Map<string, string>();
  #tokens: JoinTokens | undefined;
  #counter = 0;

  readonly input: ConvergeInput;

  constructor(input: ConvergeInput) {
    this.input = input;
    this.control = input.observed.control;
    for (const [host, m] of Object.entries(input.observed.members))
      if (m.state === 'active') this.nodeIds.set(host, m.nodeId);
  }

  engine(host: string): Engine {
    const link = this.input.links.get(host);
    if (!link) throw new NotesctlError(`host ${host} is not connected (a bug in notesctl)`);
    return link.engine;
  }

  manager(): Engine {
    return this.engine(this.control ?? '');
  }

  async tokens(): Promise<JoinTokens> {
    this.#tokens ??= await readJoinTokens(this.manager());
    return this.#tokens;
  }

  /** Run `fn` as one reported operation. */
  async op(step: MembershipStep, fn: () => Promise<void>): Promise<void> {
    const id = `cluster-${++this.#counter}`;
    const text = describeStep(step);
    const started = Date.now();
    this.input.sink({ type: 'op-start', id, service: undefined, text });
    try {
      await fn();
    } catch (error) {
      this.input.sink({ type: 'op-failed', id, text, error: (error as Error).message });
      throw error;
    }
    this.input.sink({ type: 'op-done', id, text, ms: Date.now() - started });
  }
}

async function init(run: Run, step: Step<'init'>): Promise<void> {
  await run.op(step, async () => {
    run.nodeIds.set(step.host, await initSwarm(run.engine(step.host), step.advertiseAddr));
    run.control = step.host;
  });
}

async function join(run: Run, step: Step<'join'>, managerAddrs: string[]): Promise<void> {
  await run.op(step, async () => {
    const tokens = await run.tokens();
    const engine = run.engine(step.host);
    await joinSwarm(engine, {
      advertiseAddr: step.advertiseAddr,
      remoteAddrs: managerAddrs,
      token: step.role === 'manager' ? tokens.manager : tokens.worker,
    });
    run.nodeIds.set(step.host, (await readLocalSwarm(engine)).nodeId);
  });
}

async function joinAll(run: Run, joins: Step<'join'>[]): Promise<void> {
  if (joins.length === 0) return;
  const nodes = await listNodes(run.manager());
  const managerAddrs = nodes
    .filter((n) => n.managerAddr !== undefined && n.reachability === 'reachable')
    .map((n) => n.managerAddr ?? '');
  const first = run.input.observed.members[run.control ?? ''];
  if (managerAddrs.length === 0 && first) managerAddrs.push(`${first.advertiseAddr}:${SWARM_PORT}`);
  for (const step of joins.filter((s) => s.role === 'manager')) await join(run, step, managerAddrs);
  await Promise.all(
    joins.filter((s) => s.role === 'worker').map((step) => join(run, step, managerAddrs)),
  );
}

async function update(run: Run, step: Step<'update'>): Promise<void> {
  await run.op(step, () =>
    updateNode(run.manager(), run.nodeIds.get(step.host) ?? '', {
      ...(step.labels ? { labels: step.labels } : {}),
      ...(step.role ? { role: step.role } : {}),
    }),
  );
}

/** Drain (and demote), leave, remove: one host's way out, in that order. */
async function removeLeaver(run: Run, steps: MembershipStep[]): Promise<void> {
  for (const step of steps) {
    if (step.kind === 'drain') {
      await run.op(step, async () => {
        const manager = run.manager();
        await updateNode(manager, step.nodeId, {
          availability: 'drain',
          ...(step.demote ? { role: 'worker' as const } : {}),
        });
        // Its tasks stop there once their replacements run elsewhere: leave only after that.
        // (A host that does not answer keeps reporting them as running: nothing to wait for.)
        if (!step.reachable) return;
        await pollUntil(`the tasks of ${step.host} to move to other nodes`, 120_000, async () => {
          return (await countRunningTasks(manager, step.nodeId)) === 0;
        });
      });
    } else if (step.kind === 'leave') {
      const engine = run.engine(step.host);
      await run.op(step, async () => {
        // A demoted manager learns its new role a moment later; leaving before would need force.
        await pollUntil(`${step.host} to be a worker`, 20_000, async () => {
          const own = await readLocalSwarm(engine);
          return own.state !== 'active' || !own.isManager;
        });
        await leaveSwarm(engine, false);
        await removeGatewayBridge(engine);
      });
    } else if (step.kind === 'remove-node') {
      // Forced even after the node left: Swarm refuses until it marks the node down, which takes
      // ~15 s of missed heartbeats — and a node that left has nothing left to lose.
      await run.op(step, () => removeNode(run.manager(), step.nodeId, true));
    }
  }
}

/** Carry out `steps`; throws (naming the host) at the first failure. */
export async function convergeCluster(input: ConvergeInput): Promise<void> {
  const run = new Run(input);
  const { steps } = input;
  for (const step of steps) if (step.kind === 'init') await init(run, step);
  await joinAll(
    run,
    steps.filter((s): s is Step<'join'> => s.kind === 'join'),
  );
  await Promise.all(
    steps.filter((s): s is Step<'update'> => s.kind === 'update').map((s) => update(run, s)),
  );
  const leaving = steps.filter((s) => ['drain', 'leave', 'remove-node'].includes(s.kind));
  const hosts = [...new Set(leaving.map((s) => s.host))];
  for (const host of hosts)
    await removeLeaver(
      run,
      leaving.filter((s) => s.host === host),
    );
}
