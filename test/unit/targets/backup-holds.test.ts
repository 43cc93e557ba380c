/**
 * When a volume copy's record (issue 23) belongs to a killed backup: its process gone on this
 * machine (at once), or its lease run out on the host's clock (a holder on another machine).
 */
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { holdIsStale, holdOwner } from '../../../src/targets/docker/backup-holds.ts';

const now = new Date('2026-12-07T12:00:00Z');
const later = new Date('2026-12-07T12:00:30Z');

describe('holdIsStale', () => {
  it('keeps a live holder of this machine until its lease ran out', () => {
    const owner = holdOwner([], now);
    expect(holdIsStale(owner, later, now)).toBe(false);
    expect(holdIsStale(owner, now, later)).toBe(true);
  });

  it('takes a dead process of this machine as gone at once', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const owner = { ...holdOwner([], now), pid: dead };
    expect(owner.machine).toBe(hostname());
    expect(holdIsStale(owner, later, now)).toBe(true);
    // The same pid on another machine says nothing: its lease is waited for.
    expect(holdIsStale({ ...owner, machine: 'elsewhere' }, later, now)).toBe(false);
  });

  it('takes an unreadable record as stale', () => {
    expect(holdIsStale(undefined, later, now)).toBe(true);
  });
});
