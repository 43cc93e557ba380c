/**
 * Security of a Notes stack deployed on the local engine (issue 7):
 * - no secret value (the six generated ones, and a user's password) in `docker inspect`, image
 *   history, container logs, notesctl's own output with -v, the topology file, or the
 *   repository's git tree;
 * - everything notesctl writes for the operator is 0600 in 0700 folders, and notesctl refuses
 *   (exit 2, naming the chmod) to run when others can read its secrets;
 * - containers run as non-root where the image allows (the apps as `node`, mariadbd as `mysql`),
 *   with no added capability, not privileged, no Docker socket mounted, no-new-privileges set —
 *   checked in the kernel's view of each main process too (/proc/PID/status).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execOutput } from '../support/faults/notes-data.ts';
import { createStack, type Stack } from '../support/stack.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-not-in-any-output`;

let stack: Stack;
let home: string;
/** Everything notesctl printed in this file's runs, with -v. */
let printed = '';

async function cli(args: string[], input?: string): Promise<{ code: number | null; out: string }> {
  const result = await stack.cli(['-v', ...args], input === undefined ? {} : { input });
  const out = `${result.stdout}${result.stderr}`;
  printed += out;
  return { code: result.code, out };
}

async function secrets(): Promise<string[]> {
  return [...(await stack.secretValues()), PASSWORD];
}

/** Uid and capability/privilege fields of a process, as the kernel sees it. */
async function processStatus(pid: number): Promise<Record<string, string>> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^(Uid|CapEff|CapPrm|CapBnd|NoNewPrivs|Name):/.test(l))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
  );
}

describe('security of a stack on the local engine', () => {
  beforeAll(async () => {
    stack = await createStack('secle');
    home = stack.env.NOTESCTL_HOME ?? '';
    const up = await cli(['up']);
    expect(up.code, up.out).toBe(0);
    const added = await cli(['users', 'add', '--username', 'sec', '--password-stdin'], PASSWORD);
    expect(added.code, added.out).toBe(0);
    // A login, so the password also crossed notes and userauth (and their logs).
    const body = new URLSearchParams({ username: 'sec', password: PASSWORD });
    await fetch(`http://127.0.0.1:${stack.port}/users/login`, { method: 'POST', body });
    for (const args of [['ps'], ['logs', '--tail', '200'], ['plan'], ['up']]) await cli(args);
  });
  afterAll(async () => {
    await (stack as Stack | undefined)?.destroy();
  });

  it('keeps every secret out of inspect, image history, logs, -v output, the topology and git', async () => {
    const values = await secrets();
    expect(values).toHaveLength(7);
    const places = new Map<string, string>();
    for (const [service, c] of await stack.containers()) {
      const container = stack.docker.getContainer(c.Id);
      places.set(`inspect ${service}`, JSON.stringify(await container.inspect()));
      places.set(
        `history ${service}`,
        JSON.stringify(await stack.docker.getImage(c.ImageID).history()),
      );
      places.set(
        `image inspect ${service}`,
        JSON.stringify(await stack.docker.getImage(c.ImageID).inspect()),
      );
      const logs = await container.logs({ stdout: true, stderr: true, timestamps: false });
      places.set(`logs ${service}`, logs.toString('utf8'));
    }
    places.set('notesctl -v output', printed);
    places.set('topology', await readFile(join(stack.dir, 'notesctl.config.yaml'), 'utf8'));
    for (const [where, text] of places)
      for (const [i, value] of values.entries())
        expect(text.includes(value), `secret #${i} in ${where}`).toBe(false);
    // The repository: tracked files and the working tree (git grep exits 1 when nothing matches).
    const grep = await run('git', ['grep', '-F', '-l', ...values.flatMap((v) => ['-e', v])], {
      cwd: ROOT,
    }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: unknown) => {
        const failed = e as { code: number; stdout: string };
        return { code: failed.code, out: failed.stdout };
      },
    );
    expect(grep).toEqual({ code: 1, out: '' });
    // Where they are: files in /run/secrets of the containers that use them, readable there.
    const notes = (await stack.containers()).get('notes')?.Id ?? '';
    expect(await execOutput(stack.docker, notes, ['sh', '-c', 'ls /run/secrets'])).toBe(
      'db_notes_password\nsession_secret\nuserauth_api_key\n',
    );
    // …and hold the very values searched for above (so the search could have found them).
    const shown = await execOutput(stack.docker, notes, ['cat', '/run/secrets/session_secret']);
    expect(values).toContain(shown.replace(/\n$/, ''));
    console.error(`secret check: ${values.length} values × ${places.size} places + git grep`);
  });

  it('writes only 0600 files in 0700 folders, the lock included', async () => {
    // Catch the lock while an `up` holds it.
    const child = stack.cli(['up', '--force-recreate', 'notes']);
    const lock = join(home, 'locks', `${stack.project}@local.lock`);
    let lockMode = -1;
    for (let i = 0; i < 300 && lockMode < 0; i++) {
      if (existsSync(lock)) lockMode = (await stat(lock)).mode & 0o777;
      else await new Promise((r) => setTimeout(r, 20));
    }
    expect((await child).code).toBe(0);
    expect(lockMode.toString(8)).toBe('600');
    const modes: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      modes.push(
        `${dir.slice(home.length) || '/'} ${((await stat(dir)).mode & 0o777).toString(8)}`,
      );
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else
          modes.push(`${path.slice(home.length)} ${((await stat(path)).mode & 0o777).toString(8)}`);
      }
    };
    await walk(home);
    const wrong = modes.filter(
      (m) => !/ (600|700)$/.test(m) || (m.startsWith('/ ') && !m.endsWith('700')),
    );
    expect(modes.some((m) => m.startsWith(`/secrets/${stack.project}@local.json `))).toBe(true);
    expect(wrong, modes.join('\n')).toEqual([]);
    console.error(`state folder: ${modes.join(', ')}`);
  });

  it('refuses to run while its secrets are readable by others, naming the chmod', async () => {
    const store = join(home, 'secrets', `${stack.project}@local.json`);
    const before = await readFile(store);
    for (const [path, mode, fix] of [
      [store, 0o644, `chmod 600 ${store}`],
      [store, 0o640, `chmod 600 ${store}`],
      [join(home, 'secrets'), 0o755, `chmod 700 ${join(home, 'secrets')}`],
      [join(home, 'locks'), 0o777, `chmod 700 ${join(home, 'locks')}`],
    ] as const) {
      await chmod(path, mode);
      try {
        // plan reads the secret store but takes no lock.
        for (const verb of path.endsWith('locks') ? [['up']] : [['up'], ['plan']]) {
          const result = await stack.cli(verb);
          expect(result.code, `${verb[0]} with ${path} ${mode.toString(8)}`).toBe(2);
          expect(result.stderr).toContain(`${path} is readable by other users`);
          expect(result.stderr).toContain(fix);
        }
      } finally {
        await chmod(path, path === store ? 0o600 : 0o700);
      }
    }
    expect(await readFile(store)).toEqual(before);
    expect((await stack.cli(['up'])).code).toBe(0);
  });

  it('runs every container as non-root where the image allows, without extra privileges', async () => {
    const expectedUser: Record<string, string> = {
      notes: 'node',
      userauth: 'node',
      'db-notes': 'mysql',
      'db-userauth': 'mysql',
    };
    const rows: string[] = [];
    for (const [service, c] of await stack.containers()) {
      const info = await stack.docker.getContainer(c.Id).inspect();
      const host = info.HostConfig;
      expect(host.Privileged, service).toBe(false);
      expect(host.CapAdd ?? [], service).toEqual([]);
      expect(host.SecurityOpt, service).toContain('no-new-privileges:true');
      expect(host.NetworkMode, service).not.toBe('host');
      expect(host.PidMode ?? '', service).toBe('');
      expect(host.IpcMode, service).not.toBe('host');
      expect(host.Binds ?? [], service).toEqual([]);
      for (const mount of info.Mounts) {
        expect(mount.Type, service).toBe('volume');
        expect(`${mount.Source} ${mount.Destination}`).not.toMatch(/docker\.sock/);
      }
      // The main process as the kernel sees it: its user, its capabilities, no_new_privs.
      const status = await processStatus(info.State.Pid);
      const user = expectedUser[service] ?? '?';
      const uid = (await execOutput(stack.docker, c.Id, ['id', '-u', user])).trim();
      expect(uid, service).not.toBe('0');
      expect(status.Uid?.split(/\s+/), `${service} ${status.Name}`).toEqual([uid, uid, uid, uid]);
      expect(status.CapEff, service).toBe('0000000000000000');
      expect(status.CapPrm, service).toBe('0000000000000000');
      expect(status.NoNewPrivs, service).toBe('1');
      rows.push(`${service}: ${status.Name} uid ${uid} (${user}), CapEff 0, NoNewPrivs 1`);
    }
    expect(rows).toHaveLength(4);
    console.error(`containers: ${rows.join('; ')}`);
  });
});
