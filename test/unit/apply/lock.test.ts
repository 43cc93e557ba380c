import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../../src/apply/lock.ts';
import { tempDirs } from '../../support/temp-dirs.ts';

const tempDir = tempDirs();

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
});
