// The host key policy run inside ssh2's hostVerifier (issue 6), on real files: known keys pass;
// first contact is refused without a terminal, asked on one, or accepted with the flag and then
// recorded; a changed key is refused with both fingerprints whatever the flag says.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareHostKeyCheck, type HostKeyPolicy } from '../../../src/engine/ssh/host-key-check.ts';
import { fingerprint } from '../../../src/engine/ssh/known-hosts.ts';

function ed25519(fill: number): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(type.length);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(32);
  return Buffer.concat([head, type, len, Buffer.alloc(32, fill)]);
}

const KEY = ed25519(1);
const OTHER = ed25519(2);
const endpoint = {
  name: 'web1',
  user: 'root',
  hostname: '10.0.0.5',
  port: 2222,
  identity: undefined,
  socket: '/run/docker.sock',
};

let dir: string;
let notes: string[];
const policy = (extra: Partial<HostKeyPolicy> = {}): HostKeyPolicy => ({
  files: { own: join(dir, 'state', 'known_hosts'), operator: join(dir, 'ssh_known_hosts') },
  acceptNew: false,
  ask: undefined,
  note: (text) => notes.push(text),
  ...extra,
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'notesctl-hostkey-'));
  notes = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('host key check', () => {
  it('refuses a first contact when there is no one to ask and no flag', async () => {
    const check = await prepareHostKeyCheck(endpoint, policy());
    expect(await check.verify(KEY)).toBe(false);
    expect(check.refusal()?.message).toBe(
      `host web1 (root@10.0.0.5:2222) is not known yet (its key: ssh-ed25519 ${fingerprint(KEY)}) and there is no terminal to ask whether to trust it`,
    );
    expect(existsSync(join(dir, 'state', 'known_hosts'))).toBe(false);
  });

  it('records a first contact accepted by flag, as [host]:port', async () => {
    const check = await prepareHostKeyCheck(endpoint, policy({ acceptNew: true }));
    expect(await check.verify(KEY)).toBe(true);
    expect(readFileSync(join(dir, 'state', 'known_hosts'), 'utf8')).toBe(
      `[10.0.0.5]:2222 ssh-ed25519 ${KEY.toString('base64')}\n`,
    );
    expect(notes[0]).toContain(fingerprint(KEY));
    const next = await prepareHostKeyCheck(endpoint, policy());
    expect(await next.verify(KEY)).toBe(true);
    expect(next.preferredAlgorithms).toEqual(['ssh-ed25519']);
  });

  it('asks on a terminal, showing the fingerprint, and honours the answer', async () => {
    const questions: string[] = [];
    const no = await prepareHostKeyCheck(
      endpoint,
      policy({ ask: (q) => (questions.push(q), Promise.resolve(false)) }),
    );
    expect(await no.verify(KEY)).toBe(false);
    expect(questions[0]).toContain(`Its key fingerprint is ssh-ed25519 ${fingerprint(KEY)}`);
    expect(no.refusal()?.message).toContain('not trusted');
    const yes = await prepareHostKeyCheck(endpoint, policy({ ask: () => Promise.resolve(true) }));
    expect(await yes.verify(KEY)).toBe(true);
    expect(existsSync(join(dir, 'state', 'known_hosts'))).toBe(true);
  });

  it("refuses a changed key even with the flag, naming both fingerprints and the operator's file", async () => {
    writeFileSync(
      join(dir, 'ssh_known_hosts'),
      `[10.0.0.5]:2222 ssh-ed25519 ${OTHER.toString('base64')}\n`,
    );
    const check = await prepareHostKeyCheck(endpoint, policy({ acceptNew: true }));
    expect(await check.verify(KEY)).toBe(false);
    const refusal = check.refusal();
    expect(refusal?.message).toContain('the host key has CHANGED');
    expect(refusal?.message).toContain(`presented: ssh-ed25519 ${fingerprint(KEY)}`);
    expect(refusal?.message).toContain(
      `recorded:  ssh-ed25519 ${fingerprint(OTHER)}  (${join(dir, 'ssh_known_hosts')}:1)`,
    );
    expect(refusal?.hint).toContain(
      `ssh-keygen -f ${join(dir, 'ssh_known_hosts')} -R '[10.0.0.5]:2222'`,
    );
    expect(existsSync(join(dir, 'state', 'known_hosts'))).toBe(false);
  });
});
