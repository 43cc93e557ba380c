import { describe, expect, it } from 'vitest';
import { pickTask } from '../../../../src/targets/swarm/pick-task.ts';

const where = { cluster: 'prod', name: 'demo_notes' };
const tasks = [
  { id: 'k3x9aa11', slot: 1, host: 'm1' },
  { id: 'p0qq2222', slot: 2, host: 'm2' },
  { id: 'p0zz3333', slot: 3, host: 'm3' },
];

describe('exec --task: choosing a running task of a cluster service', () => {
  it('takes the first running task when none is named', () => {
    expect(pickTask('notes', where, tasks, undefined).slot).toBe(1);
  });

  it('takes what ps shows, the bare slot, or a task ID prefix', () => {
    expect(pickTask('notes', where, tasks, 'demo_notes.2@m2').id).toBe('p0qq2222');
    expect(pickTask('notes', where, tasks, 'notes.2@m2').id).toBe('p0qq2222');
    expect(pickTask('notes', where, tasks, 'notes.3').host).toBe('m3');
    expect(pickTask('notes', where, tasks, '1').host).toBe('m1');
    expect(pickTask('notes', where, tasks, 'p0z').slot).toBe(3);
  });

  it('refuses a task that is not running, an ambiguous prefix and a wrong node, listing the running ones', () => {
    expect(() => pickTask('notes', where, tasks, 'notes.9')).toThrow(
      'exec --task notes.9: names no running task of notes (running: demo_notes.1@m1, demo_notes.2@m2, demo_notes.3@m3)',
    );
    expect(() => pickTask('notes', where, tasks, 'p0')).toThrow(
      'exec --task p0: matches 2 tasks of notes',
    );
    expect(() => pickTask('notes', where, tasks, 'notes.2@m1')).toThrow('names no running task');
    expect(() => pickTask('notes', where, tasks, '')).toThrow('names no running task');
    expect(() => pickTask('notes', where, tasks, 'userauth.2')).toThrow('names no running task');
  });

  it('says when the service has no running task at all', () => {
    expect(() => pickTask('notes', where, [], undefined)).toThrow(
      'service notes has no running task on cluster prod',
    );
    expect(() => pickTask('notes', where, [], '1')).toThrow('(running: none)');
  });
});
