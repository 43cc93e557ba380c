import { describe, expect, it } from 'vitest';
import { LABEL } from '../../../src/model/names.ts';
import { planDown } from '../../../src/plan/down.ts';
import { formatPlan } from '../../../src/plan/format.ts';
import type { ObservedState } from '../../../src/plan/types.ts';
import { convergedState, desiredFor, notesTopology } from './fixtures.ts';

/** The converged Notes stack, optionally altered, planned down without dependencies. */
async function planNotesDown(
  options: { volumes?: boolean; alter?: (observed: ObservedState) => ObservedState } = {},
) {
  const observed = convergedState(desiredFor(await notesTopology()));
  return planDown(
    'notes',
    'local',
    options.alter?.(observed) ?? observed,
    {},
    {
      volumes: options.volumes ?? false,
      stopTimeoutS: () => 10,
    },
  );
}

describe('planDown', () => {
  it('stops apps before the services they depend on (on their exit), then removes networks; keeps volumes', async () => {
    const topology = await notesTopology();
    const observed = convergedState(desiredFor(topology));
    const deps = Object.fromEntries(
      Object.values(topology.services).map((s) => [s.name, Object.keys(s.dependsOn)]),
    );
    const plan = planDown('notes', 'local', observed, deps, {
      volumes: false,
      stopTimeoutS: () => 10,
    });
    const op = (prefix: string) => plan.operations.find((o) => o.id.startsWith(prefix));
    const exitOf = (prefix: string) => op(prefix)?.afterExit ?? [];
    // A stop waits for its dependents' exits only; a removal for its own stop call.
    expect(op('stop:notes:')?.after).toEqual([]);
    expect(op('stop:notes:')?.afterExit).toBeUndefined();
    expect(exitOf('stop:userauth:').some((id) => id.startsWith('stop:notes:'))).toBe(true);
    expect(exitOf('stop:db-userauth:').some((id) => id.startsWith('stop:userauth:'))).toBe(true);
    expect(exitOf('stop:db-notes:').some((id) => id.startsWith('stop:notes:'))).toBe(true);
    expect(op('stop:db-userauth:')?.after).toEqual([]);
    expect(op('remove:notes:')?.after.some((id) => id.startsWith('stop:notes:'))).toBe(true);
    expect(plan.operations.some((o) => o.operation.kind === 'remove-volume')).toBe(false);
    // frontnet, svcnet, authnet, and the edge network of notes (served through the proxy).
    expect(plan.operations.filter((o) => o.operation.kind === 'remove-network')).toHaveLength(4);
    await expect(formatPlan(plan)).toMatchFileSnapshot('golden/notes-down.plan.txt');
  });

  it('removes each network once the containers attached to it are gone', async () => {
    const plan = await planNotesDown();
    const waitsFor = (network: string) =>
      (plan.operations.find((o) => o.id === `remove-network:${network}`)?.after ?? [])
        .map((id) => id.split(':')[1])
        .sort();
    expect(waitsFor('frontnet')).toEqual(['db-notes', 'notes']);
    expect(waitsFor('authnet')).toEqual(['db-userauth', 'userauth']);
    expect(waitsFor('svcnet')).toEqual(['notes', 'userauth']);
  });

  it('makes a network wait for a container whose attachments are unknown', async () => {
    const plan = await planNotesDown({
      alter: (observed) => ({
        ...observed,
        containers: observed.containers.map((c) =>
          c.labels[LABEL.service] === 'db-notes' ? { ...c, networks: [] } : c,
        ),
      }),
    });
    const after = plan.operations.find((o) => o.id === 'remove-network:authnet')?.after ?? [];
    expect(after.some((id) => id.startsWith('remove:db-notes:'))).toBe(true);
  });

  it('removes volumes only when asked', async () => {
    const plan = await planNotesDown({ volumes: true });
    expect(
      plan.operations.filter((o) => o.operation.kind === 'remove-volume').map((o) => o.id),
    ).toEqual(['remove-volume:db-notes-data', 'remove-volume:db-userauth-data']);
  });

  it('plans nothing on an empty engine', () => {
    const plan = planDown(
      'notes',
      'local',
      { containers: [], networks: [], volumes: [] },
      {},
      { volumes: true, stopTimeoutS: () => 10 },
    );
    expect(plan.operations).toEqual([]);
  });
});
