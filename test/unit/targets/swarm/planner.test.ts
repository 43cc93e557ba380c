/**
 * The swarm target's pure planner (issue 20): Swarm specs from the topology, and the plan from
 * desired + observed, compared as text.
 */
import { describe, expect, it } from 'vitest';
import { formatPlan } from '../../../../src/plan/format.ts';
import { reconcileSwarm } from '../../../../src/targets/swarm/reconcile.ts';
import { clusterTopology, deployed, desiredOf, EMPTY } from './fixtures.ts';

const OPTIONS = { forceRecreate: false, removeOrphans: false, allServices: ['db', 'web'] };

/** The plan's lines without the causes. */
function lines(plan: ReturnType<typeof reconcileSwarm>): string[] {
  return formatPlan(plan)
    .split('\n')
    .map((l) => l.replace(/ — [^[]*?( {2}\[|$)/, '$1'));
}

describe('the swarm planner', () => {
  it('plans a fresh cluster: overlays and secrets, then services in dependency order, each waited for', () => {
    const plan = reconcileSwarm(desiredOf(), EMPTY, OPTIONS);
    expect(lines(plan)).toMatchInlineSnapshot(`
      [
        "Project p on prod: 5 change(s).",
        "  1: create overlay network p_back (internal, encrypted)",
        "  2: create overlay network p_front",
        "  3: create secret p_db_password_a1b2c3d4",
        "  4: create service p_db (1 task on m2)  [after 1, 2, 3]",
        "  5: wait until p_db runs 1 healthy task(s)  [after 4]",
        "  6: create service p_web (3 tasks)  [after 1, 2, 3, 5]",
        "  7: wait until p_web runs 3 healthy task(s)  [after 6]",
        "  8: check traffic between nodes on p_back  [after 1, 5, 7]",
        "  9: check traffic between nodes on p_front  [after 2, 5, 7]",
        "  note: db is pinned to m2 (its volumes live there): if m2 is lost, db stops until it is back or its data is restored on another node",
      ]
    `);
  });

  it('plans nothing when the cluster holds what the topology says', () => {
    const desired = desiredOf();
    const plan = reconcileSwarm(desired, deployed(desired), OPTIONS);
    expect(plan.operations).toEqual([]);
    expect(plan.unchanged).toEqual(['db', 'web']);
  });

  it('rolls a changed secret out as a new version, updates only its users, then removes the old one', () => {
    const before = desiredOf();
    const plan = reconcileSwarm(
      desiredOf(clusterTopology(), 'ffff00001111'),
      deployed(before),
      OPTIONS,
    );
    expect(lines(plan)).toMatchInlineSnapshot(`
      [
        "Project p on prod: 3 change(s).",
        "  1: create secret p_db_password_ffff0000",
        "  2: update service p_db (rolling, stop-first on m2)  [after 1]",
        "  3: wait until p_db runs 1 healthy task(s)  [after 2]",
        "  4: check traffic between nodes on p_back  [after 3]",
        "  5: remove secret p_db_password_a1b2c3d4  [after 3]",
        "  unchanged: web",
        "  note: db is pinned to m2 (its volumes live there): if m2 is lost, db stops until it is back or its data is restored on another node",
      ]
    `);
  });

  it('updates stateless services start-first and stateful ones stop-first, on their pinned node', () => {
    const desired = desiredOf();
    const db = desired.services.find((s) => s.service === 'db');
    const web = desired.services.find((s) => s.service === 'web');
    expect(db?.spec.UpdateConfig?.Order).toBe('stop-first');
    expect(db?.spec.TaskTemplate.Placement.Constraints).toEqual([
      'node.labels.io.notesctl.host==m2',
    ]);
    expect(web?.spec.UpdateConfig).toMatchObject({
      Order: 'start-first',
      FailureAction: 'rollback',
    });
    expect(web?.spec.TaskTemplate.Placement.Constraints).toEqual([]);
    expect(web?.spec.EndpointSpec).toEqual({
      Mode: 'dnsrr',
      Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' }],
    });
    expect(web?.spec.Mode).toEqual({ Replicated: { Replicas: 3 } });
    // Secrets as files, their path in the *_FILE variable; the value is nowhere in the spec.
    expect(db?.spec.TaskTemplate.ContainerSpec.Env).toContain(
      'MARIADB_PASSWORD_FILE=/run/secrets/db_password',
    );
    expect(db?.spec.TaskTemplate.ContainerSpec.Secrets).toEqual([
      {
        File: { Name: '/run/secrets/db_password', UID: '0', GID: '0', Mode: 0o444 },
        SecretID: '',
        SecretName: 'p_db_password_a1b2c3d4',
      },
    ]);
  });

  it('keeps overlays encrypted unless the topology says otherwise', () => {
    const { networks } = desiredOf();
    expect(networks.map((n) => [n.name, n.internal, n.encrypted])).toEqual([
      ['p_back', true, true],
      ['p_front', false, false],
    ]);
  });

  it('says when an overlay in use differs from the topology instead of recreating it', () => {
    const desired = desiredOf();
    const observed = deployed(desired);
    observed.networks = observed.networks.map((n) => ({ ...n, encrypted: !n.encrypted }));
    const plan = reconcileSwarm(desired, observed, OPTIONS);
    expect(plan.operations).toEqual([]);
    expect(plan.notes).toContainEqual(
      expect.stringContaining('network p_back is internal, not encrypted on the cluster'),
    );
  });

  it('lists services no longer in the topology as orphans, removed only when asked', () => {
    const desired = desiredOf();
    const observed = deployed(desired);
    const kept = reconcileSwarm(desired, observed, { ...OPTIONS, allServices: ['db'] });
    expect(kept.orphans).toEqual([{ service: 'web', containerName: 'p_web' }]);
    const removed = reconcileSwarm(desired, observed, {
      ...OPTIONS,
      allServices: ['db'],
      removeOrphans: true,
    });
    expect(lines(removed)).toContain('  1: remove service p_web');
  });
});
