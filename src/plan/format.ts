/**
 * A plan as text (what `notesctl plan` prints and golden tests compare) and as JSON.
 */
import { isMutating, type Operation, type Plan } from './types.ts';

/** One-line description of an operation. */
export function describeOperation(operation: Operation): string {
  switch (operation.kind) {
    case 'create-network':
      return `create network ${operation.network.name}${operation.network.internal ? ' (internal)' : ''}`;
    case 'create-volume':
      return `create volume ${operation.volume.name}`;
    case 'create-container':
      return `create container ${operation.spec.name} (${operation.service}) from ${operation.spec.image}`;
    case 'connect-network':
      return `connect ${operation.service} to network ${operation.network}`;
    case 'copy-secrets':
      return `copy ${operation.files.length} secret file(s) into ${operation.service}: ${operation.files.map((f) => f.target).join(', ')}`;
    case 'start-container':
      return `start ${operation.service}`;
    case 'stop-container':
      return `stop container ${operation.containerName} (${operation.service})`;
    case 'remove-container':
      return `remove container ${operation.containerName} (${operation.service})`;
    case 'remove-network':
      return `remove network ${operation.name}`;
    case 'remove-volume':
      return `remove volume ${operation.name} (its data is deleted)`;
    case 'wait-ready':
      return `wait until ${operation.service} is ${operation.condition === 'completed' ? 'completed' : operation.condition}`;
    case 'proxy-config':
      return operation.reload
        ? `switch the edge proxy's routes of ${operation.project} (one reload)`
        : `write the edge proxy's configuration`;
    case 'proxy-check':
      return `wait until the edge proxy gets 2xx from ${operation.upstream}${operation.path} (${operation.service})`;
    case 'proxy-certificates':
      return `wait until the edge proxy has certificates for ${operation.hosts.join(', ')} (from ${operation.ca ?? "Let's Encrypt"})`;
    case 'drain':
      return `drain ${operation.upstream} (${operation.service}): requests in flight finish`;
    case 'disconnect-network':
      return `disconnect ${operation.service} from network ${operation.network}`;
    case 'host-step':
    case 'swarm-step':
      return operation.title;
  }
}

/** The plan as plain text, one operation per line, in execution order. */
export function formatPlan(plan: Plan): string {
  const lines: string[] = [];
  const mutating = plan.operations.filter((o) => isMutating(o.operation)).length;
  lines.push(
    mutating === 0
      ? `Project ${plan.project} on ${plan.host}: up to date, nothing to do.`
      : `Project ${plan.project} on ${plan.host}: ${mutating} change(s).`,
  );
  for (const op of orderForDisplay(plan)) {
    const exits = (op.afterExit ?? []).map((id) => `${id} exits`);
    const waits = [...op.after, ...exits];
    const after = waits.length > 0 ? `  [after ${waits.join(', ')}]` : '';
    lines.push(`  ${op.id}: ${describeOperation(op.operation)} — ${op.cause}${after}`);
  }
  if (plan.unchanged.length > 0) lines.push(`  unchanged: ${plan.unchanged.join(', ')}`);
  for (const note of plan.notes ?? []) lines.push(`  note: ${note}`);
  for (const orphan of plan.orphans) {
    lines.push(
      `  orphan: ${orphan.containerName} (service "${orphan.service}" is not in the topology; remove with --remove-orphans)`,
    );
  }
  return lines.join('\n');
}

/** Operations in a topological order (stable: ties keep plan order). */
export function orderForDisplay(plan: Plan): Plan['operations'] {
  const done = new Set<string>();
  const result: Plan['operations'] = [];
  const remaining = [...plan.operations];
  while (remaining.length > 0) {
    const index = remaining.findIndex((op) =>
      [...op.after, ...(op.afterExit ?? [])].every((id) => done.has(id)),
    );
    const next = remaining.splice(index === -1 ? 0 : index, 1)[0];
    if (!next) break;
    done.add(next.id);
    result.push(next);
  }
  return result;
}

/** The plan as a JSON-friendly object (no secret values are ever in a plan). */
export function planToJson(plan: Plan): unknown {
  return {
    project: plan.project,
    host: plan.host,
    operations: orderForDisplay(plan).map((op) => ({
      id: op.id,
      kind: op.operation.kind,
      description: describeOperation(op.operation),
      cause: op.cause,
      after: op.after,
      ...(op.afterExit ? { afterExit: op.afterExit } : {}),
    })),
    unchanged: plan.unchanged,
    orphans: plan.orphans,
    ...(plan.first ? { first: plan.first } : {}),
  };
}
