import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InFlightCall } from '../../../src/apply/in-flight.ts';
import { acquireLock } from '../../../src/apply/lock.ts';
import { tempDirs } from '../../support/temp-dirs.ts';

const tempDir = tempDirs();
const stop: InFlightCall = {
  kind: 'stop-container',
  service: 'db',
  containerId: 'c1',
  containerName: 'p-db-1',
  timeoutS: 10,
};

describe('project lock', () => {
  it('lets one holder in, makes the next one wait, then fail naming the holder', async () => {
    const env = { NOTESCTL_HOME: await tempDir('lock-') };
    const first = await acquireLock('p', 'local', 'notesctl up', { waitMs: 0, env });
    let waitedFor = '';
    await expect(
      acquireLock('p', 'local', 'notesctl up', {
        waitMs: 300,
        env,
        onWait: (o) => (waitedFor = o),
      }),
    ).rejects.toThrow(/project p on local is locked by `notesctl up` \(pid \d+/);
    expect(waitedFor).toContain(`pid ${process.pid}`);
    await first.release();
    const second = await acquireLock('p', 'local', 'notesctl up', { waitMs: 0, env });
    await second.release();
  });

  it('takes over a lock whose process is gone (kill -9)', async () => {
    const env = { NOTESCTL_HOME: await tempDir('lock-') };
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.on('exit', r));
    const held = await acquireLock('p', 'local', 'x', { waitMs: 0, env });
    const owner = JSON.parse(await readFile(held.path, 'utf8')) as { pid: number };
    await writeFile(held.path, JSON.stringify({ ...owner, pid: child.pid }));
    const taken = await acquireLock('p', 'local', 'notesctl up', { waitMs: 0, env });
    expect(JSON.parse(await readFile(taken.path, 'utf8'))).toMatchObject({
      pid: process.pid,
      command: 'notesctl up',
    });
    await taken.release();
  });

  it('waits for a live holder to release', async () => {
    const env = { NOTESCTL_HOME: await tempDir('lock-') };
    const first = await acquireLock('p', 'h', 'a', { waitMs: 0, env });
    setTimeout(() => void first.release(), 300);
    const second = await acquireLock('p', 'h', 'b', { waitMs: 5_000, env });
    await second.release();
  });

  it("hands a dead owner's calls in flight to whoever takes its lock over", async () => {
    const env = { NOTESCTL_HOME: await tempDir('lock-') };
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.on('exit', r));
    const held = await acquireLock('p', 'local', 'notesctl down', { waitMs: 0, env });
    await held.recordInFlight([stop, { kind: 'remove-volume', name: 'p_data' }]);
    await held.recordInFlight([stop]);
    const owner = JSON.parse(await readFile(held.path, 'utf8')) as { pid: number };
    expect(owner).toMatchObject({ command: 'notesctl down', inFlight: [stop] });
    expect(held.inherited).toBeUndefined();
    // The owner dies with the stop in flight.
    await writeFile(held.path, JSON.stringify({ ...owner, pid: child.pid }));
    await writeFile(`${held.path}.${child.pid}.tmp`, '{"half');

    const taken = await acquireLock('p', 'local', 'notesctl up', { waitMs: 0, env });
    expect(taken.inherited).toEqual({
      from: `an interrupted \`notesctl down\` (pid ${child.pid})`,
      calls: [stop],
    });
    // Until they are finished, the new owner's file lists them, so a second crash keeps them.
    expect(JSON.parse(await readFile(taken.path, 'utf8'))).toMatchObject({
      pid: process.pid,
      inFlight: [stop],
    });
    expect(await readdir(dirname(taken.path))).toEqual(['p@local.lock']);
    await taken.recordInFlight([]);
    await taken.release();
    expect(await readdir(dirname(taken.path))).toEqual([]);

    const clean = await acquireLock('p', 'local', 'notesctl up', { waitMs: 0, env });
    expect(clean.inherited).toBeUndefined();
    await clean.release();
  });

  it('keeps the calls still listed at release() for the next owner, even while it lives', async () => {
    const env = { NOTESCTL_HOME: await tempDir('lock-') };
    const held = await acquireLock('p', 'h1', 'notesctl up', { waitMs: 0, env });
    await held.recordInFlight([stop]);
    // The link to h1 broke before the stop was answered; this process goes on (other hosts).
    await held.release();
    expect(JSON.parse(await readFile(held.path, 'utf8'))).toMatchObject({
      pid: process.pid,
      released: true,
      inFlight: [stop],
    });
    const next = await acquireLock('p', 'h1', 'notesctl up', { waitMs: 0, env });
    expect(next.inherited).toEqual({
      from: `\`notesctl up\` (pid ${process.pid}) before it lost the engine`,
      calls: [stop],
    });
    await next.recordInFlight([]);
    await next.release();
    expect(await readdir(dirname(next.path))).toEqual([]);
  });

  it('never re-creates the lock file with a write that ends after release()', async () => {
    const env = { NOTESCTL_HOME: await tempDir('lock-') };
    const held = await acquireLock('p', 'local', 'notesctl up', { waitMs: 0, env });
    const writes = [1, 2, 3].map(() =>
      held.recordInFlight([{ kind: 'remove-volume', name: 'p_data' }]),
    );
    await held.release();
    await Promise.all(writes);
    expect(await readdir(dirname(held.path))).toEqual([]);
  });
});
