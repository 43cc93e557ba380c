import { describe, expect, it } from 'vitest';
import { planDown } from '../../../src/plan/down.ts';
import { formatPlan } from '../../../src/plan/format.ts';
import { convergedState, desiredFor, notesTopology } from './fixtures.ts';

describe('planDown', () => {
  it('stops apps before the services they depend on, then removes networks; keeps volumes', async () => {
    const topology = await notesTopology();
    const observed = convergedState(desiredFor(topology));
    const deps = Object.fromEntries(
      Object.values(topology.services).map((s) => [s.name, Object.keys(s.dependsOn)]),
    );
    const plan = planDown('notes', 'local', observed, deps, {
      volumes: false,
      stopTimeoutS: () => 10,
    });
    const after = (prefix: string) =>
      plan.operations.find((o) => o.id.startsWith(prefix))?.after ?? [];
    expect(after('stop:notes:')).toEqual([]);
    expect(after('stop:userauth:').some((id) => id.startsWith('stop:notes:'))).toBe(true);
    expect(after('stop:db-userauth:').some((id) => id.startsWith('stop:userauth:'))).toBe(true);
    expect(after('stop:db-notes:').some((id) => id.startsWith('stop:notes:'))).toBe(true);
    expect(plan.operations.some((o) => o.operation.kind === 'remove-volume')).toBe(false);
    expect(plan.operations.filter((o) => o.operation.kind === 'remove-network')).toHaveLength(3);
    await expect(formatPlan(plan)).toMatchFileSnapshot('golden/notes-down.plan.txt');
  });

  it('removes volumes only when asked', async () => {
    const topology = await notesTopology();
    const observed = convergedState(desiredFor(topology));
    const plan = planDown(
      'notes',
      'local',
      observed,
      {},
      { volumes: true, stopTimeoutS: () => 10 },
    );
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
