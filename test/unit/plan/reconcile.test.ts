import { describe, expect, it } from 'vitest';
import { formatPlan } from '../../../src/plan/format.ts';
import { reconcile } from '../../../src/plan/reconcile.ts';
import { isMutating } from '../../../src/plan/types.ts';
import { EMPTY, convergedState, desiredFor, notesTopology } from './fixtures.ts';

const DEFAULTS = { forceRecreate: false, removeOrphans: false, wait: true };

describe('reconcile', () => {
  it('plans the whole Notes stack on an empty engine (golden)', async () => {
    const desired = desiredFor(await notesTopology());
    const plan = reconcile(desired, EMPTY, DEFAULTS);
    await expect(formatPlan(plan)).toMatchFileSnapshot('golden/notes-fresh.plan.txt');
  });

  it('creates containers and copies secrets without waiting for their networks; starts wait for them', async () => {
    const plan = reconcile(desiredFor(await notesTopology()), EMPTY, DEFAULTS);
    const after = (id: string) => plan.operations.find((o) => o.id === id)?.after;
    expect(after('create:userauth')).toEqual([]);
    expect(after('secrets:userauth')).toEqual(['create:userauth']);
    expect(after('connect:userauth:notes_svcnet')).toEqual(['create:userauth', 'network:svcnet']);
    expect(after('start:userauth')).toContain('network:authnet');
  });

  it('names the start at the head of the longest chain as the one to launch first, unless it stops containers', async () => {
    const topology = await notesTopology();
    // db-userauth → userauth → notes is longer than db-notes → notes.
    expect(reconcile(desiredFor(topology), EMPTY, DEFAULTS).first).toBe('start:db-userauth');
    // notes is served through the edge proxy: its new release starts beside the old one, which
    // stops only after the switch, so a changed notes is the start to launch first.
    const changed = desiredFor(await notesTopology({ NOTES_PUBLIC_URL: 'https://notes.example' }));
    expect(reconcile(changed, convergedState(desiredFor(topology)), DEFAULTS).first).toBe(
      'start:notes',
    );
    // A plan that stops containers first (here --force-recreate) names none: stops are not held back.
    const forced = reconcile(desiredFor(topology), convergedState(desiredFor(topology)), {
      ...DEFAULTS,
      forceRecreate: true,
    });
    expect(forced.operations.some((o) => o.operation.kind === 'stop-container')).toBe(true);
    expect(forced.first).toBeUndefined();
    const converged = desiredFor(topology);
    expect(reconcile(converged, convergedState(converged), DEFAULTS).first).toBeUndefined();
  });

  it('plans nothing when the engine already matches', async () => {
    const desired = desiredFor(await notesTopology());
    const plan = reconcile(desired, convergedState(desired), DEFAULTS);
    expect(plan.operations).toEqual([]);
    expect(plan.unchanged).toEqual(['db-notes', 'db-userauth', 'notes', 'userauth']);
    expect(formatPlan(plan)).toContain('up to date, nothing to do');
  });

  it('recreates only the service whose env changed, and only waits (reads) on its dependencies', async () => {
    const before = desiredFor(await notesTopology());
    const after = desiredFor(await notesTopology({ NOTES_PUBLIC_URL: 'https://notes.example' }));
    const plan = reconcile(after, convergedState(before), DEFAULTS);
    const mutating = plan.operations.filter((o) => isMutating(o.operation));
    expect(
      new Set(mutating.map((o) => o.operation).map((o) => ('service' in o ? o.service : ''))),
    ).toEqual(new Set(['notes']));
    expect(plan.unchanged).toEqual(['db-notes', 'db-userauth', 'userauth']);
    await expect(formatPlan(plan)).toMatchFileSnapshot('golden/notes-env-change.plan.txt');
  });

  it('recreates a service whose image ID changed', async () => {
    const topology = await notesTopology();
    const plan = reconcile(
      desiredFor(topology, { userauth: 'sha256:rebuilt' }),
      convergedState(desiredFor(topology)),
      DEFAULTS,
    );
    expect(plan.operations.find((o) => o.id === 'create:userauth')?.cause).toBe(
      'configuration or image changed (config hash differs)',
    );
    expect(plan.operations.some((o) => o.id === 'create:notes')).toBe(false);
  });

  it('starts stopped containers instead of recreating them', async () => {
    const desired = desiredFor(await notesTopology());
    const plan = reconcile(desired, convergedState(desired, 'exited'), {
      ...DEFAULTS,
      wait: false,
    });
    expect(plan.operations.filter((o) => o.operation.kind === 'create-container')).toEqual([]);
    expect(
      plan.operations
        .filter((o) => o.operation.kind === 'start-container')
        .map((o) => o.id)
        .sort(),
    ).toEqual(['start:db-notes', 'start:db-userauth', 'start:notes', 'start:userauth']);
    // notes still waits for its dependencies to be healthy before it starts.
    expect(plan.operations.find((o) => o.id === 'start:notes')?.after.sort()).toEqual([
      'ready:db-notes:healthy',
      'ready:userauth:healthy',
    ]);
  });

  it('removes a container left in "created" by an interrupted run before creating it again', async () => {
    const desired = desiredFor(await notesTopology());
    const observed = convergedState(desired);
    const leftover = observed.containers.find((c) => c.labels['io.notesctl.service'] === 'notes');
    if (!leftover) throw new Error('fixture');
    leftover.state = 'created';
    const plan = reconcile(desired, observed, DEFAULTS);
    const create = plan.operations.find((o) => o.id === 'create:notes');
    expect(create?.cause).toBe('previous attempt did not finish');
    expect(create?.after).toContain(`remove:notes:${leftover.name}`);
  });

  it('reports orphans and removes them only with --remove-orphans', async () => {
    const desired = desiredFor(await notesTopology());
    const observed = convergedState(desired);
    const [template] = observed.containers;
    if (!template) throw new Error('fixture has containers');
    observed.containers.push({
      ...template,
      id: 'old',
      name: 'notes-legacy-12345678',
      labels: { 'io.notesctl.project': 'notes', 'io.notesctl.service': 'legacy' },
    });
    const kept = reconcile(desired, observed, DEFAULTS);
    expect(kept.orphans).toEqual([{ service: 'legacy', containerName: 'notes-legacy-12345678' }]);
    expect(kept.operations).toEqual([]);
    const removed = reconcile(desired, observed, { ...DEFAULTS, removeOrphans: true });
    expect(removed.operations.map((o) => o.id)).toEqual([
      'stop:legacy:notes-legacy-12345678',
      'remove:legacy:notes-legacy-12345678',
    ]);
  });

  it('recreates everything with --force-recreate, removing same-named containers first', async () => {
    const desired = desiredFor(await notesTopology());
    const plan = reconcile(desired, convergedState(desired), { ...DEFAULTS, forceRecreate: true });
    for (const service of ['db-notes', 'db-userauth', 'userauth']) {
      const create = plan.operations.find((o) => o.id === `create:${service}`);
      expect(create?.cause).toBe('--force-recreate');
      expect(create?.after.some((id) => id.startsWith(`remove:${service}:`))).toBe(true);
    }
    // notes (behind the edge proxy) gets a new release beside the old one, under a `-2` name.
    const notes = plan.operations.find((o) => o.id === 'create:notes');
    expect(notes?.cause).toBe('--force-recreate');
    expect(notes?.after.some((id) => id.startsWith('remove:notes:'))).toBe(false);
    const spec = notes?.operation.kind === 'create-container' ? notes.operation.spec : undefined;
    expect(spec?.name).toMatch(/^notes-notes-[0-9a-f]{8}-2$/);
  });

  it('never lists an operation after one that does not exist, and has no cycles', async () => {
    const desired = desiredFor(await notesTopology());
    for (const observed of [EMPTY, convergedState(desired, 'exited')]) {
      const plan = reconcile(desired, observed, DEFAULTS);
      const ids = new Set(plan.operations.map((o) => o.id));
      for (const op of plan.operations) for (const dep of op.after) expect(ids.has(dep)).toBe(true);
      const done = new Set<string>();
      let progress = true;
      while (progress) {
        progress = false;
        for (const op of plan.operations) {
          if (!done.has(op.id) && op.after.every((d) => done.has(d))) {
            done.add(op.id);
            progress = true;
          }
        }
      }
      expect(done.size).toBe(plan.operations.length);
    }
  });
});

describe('reconcile with one-shot jobs', () => {
  it('leaves a job (restart: no) that exited 0 alone, and starts one that failed', async () => {
    const topology = await notesTopology();
    const notes = topology.services.notes;
    if (!notes) throw new Error('fixture');
    notes.restart = { name: 'no', maximumRetryCount: 0 };
    const desired = desiredFor(topology);
    const observed = convergedState(desired);
    const job = observed.containers.find((c) => c.labels['io.notesctl.service'] === 'notes');
    if (!job) throw new Error('fixture');
    Object.assign(job, { state: 'exited', exitCode: 0 });
    expect(
      reconcile(desired, observed, { forceRecreate: false, removeOrphans: false, wait: true })
        .operations,
    ).toEqual([]);
    Object.assign(job, { exitCode: 3 });
    const plan = reconcile(desired, observed, {
      forceRecreate: false,
      removeOrphans: false,
      wait: true,
    });
    expect(plan.operations.map((o) => o.id)).toContain('start:notes');
  });
});
