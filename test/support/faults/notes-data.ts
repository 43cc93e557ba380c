/**
 * Data in a running Notes stack, for fault tests (issue 7): seed it the way people do (users
 * through `notesctl users add`, notes and comments through the web app's forms), and read back
 * exactly what each database holds (SQL as root inside the MariaDB containers), so "nothing was
 * lost" is a comparison of rows, not of a page.
 */
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { Client } from '../../../apps/notes/test/helpers/client.ts';
import type { CliResult } from '../run-cli.ts';

/** stdout of `cmd` in container `id`; throws with stderr on a non-zero exit. */
export async function execOutput(docker: Docker, id: string, cmd: string[]): Promise<string> {
  const exec = await docker
    .getContainer(id)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  docker.modem.demuxStream(stream, stdout, stderr);
  await new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
  });
  for (let i = 0; i < 100; i++) {
    const info = await exec.inspect();
    if (!info.Running) {
      if (info.ExitCode !== 0)
        throw new Error(`${cmd.join(' ')} exited ${info.ExitCode}: ${err.slice(-500)}`);
      return out;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${cmd.join(' ')} did not finish`);
}

/** Tab-separated rows of `statement`, run as root in a stack's MariaDB container. */
export function sqlIn(
  docker: Docker,
  containerId: string,
  database: string,
  statement: string,
): Promise<string> {
  // The root password is the container's own secret file; it never leaves the container.
  return execOutput(docker, containerId, [
    'sh',
    '-c',
    'MYSQL_PWD="$(cat "$MARIADB_ROOT_PASSWORD_FILE")" exec mariadb -uroot -N -B "$0" -e "$1"',
    database,
    statement,
  ]);
}

/** Every row that matters, as text: accounts (with their hashes), notes, comments. */
export interface DataSnapshot {
  users: string;
  notes: string;
  comments: string;
}

/** Read both databases of a stack (`ids`: container id by service). */
export async function snapshotData(
  docker: Docker,
  ids: Record<string, string>,
): Promise<DataSnapshot> {
  const dbUserauth = ids['db-userauth'];
  const dbNotes = ids['db-notes'];
  if (!dbUserauth || !dbNotes) throw new Error('the stack has no database containers');
  const [users, notes, comments] = await Promise.all([
    sqlIn(
      docker,
      dbUserauth,
      'userauth',
      'SELECT username, given_name, password_hash, emails FROM users ORDER BY username',
    ),
    sqlIn(
      docker,
      dbNotes,
      'notes',
      'SELECT notekey, title, body, author FROM notes ORDER BY notekey',
    ),
    sqlIn(docker, dbNotes, 'notes', 'SELECT id, notekey, author, body FROM comments ORDER BY id'),
  ]);
  return { users, notes, comments };
}

/** What seedData() wrote. */
export interface Seeded {
  users: { username: string; password: string }[];
  notes: string[];
  /** Comments written, as `notekey: body`. */
  comments: string[];
}

/**
 * Create `userCount` users with `notesctl users add`, then, logged in as each, one note with a
 * comment — all through the real interfaces. `baseUrl` is where notes answers.
 */
export async function seedData(
  cli: (args: string[], options?: { input?: string }) => Promise<CliResult>,
  baseUrl: string,
  userCount = 2,
  tag = 'seed',
): Promise<Seeded> {
  const seeded: Seeded = { users: [], notes: [], comments: [] };
  for (let i = 0; i < userCount; i++) {
    const user = { username: `${tag}-user${i}`, password: `${tag}-password-${i}-ok` };
    const added = await cli(
      ['users', 'add', '--username', user.username, '--password-stdin', '--given-name', `U${i}`],
      { input: user.password },
    );
    if (added.code !== 0) throw new Error(`users add ${user.username}: ${added.stderr}`);
    seeded.users.push(user);
    const client = new Client(baseUrl);
    const login = await client.login(user.username, user.password);
    if (login.status !== 302) throw new Error(`login ${user.username}: ${login.status}`);
    const key = `${tag}-note-${i}`;
    await client.get('/notes/add');
    const saved = await client.post('/notes/save', {
      docreate: 'create',
      notekey: key,
      title: `Note ${i} of ${tag}`,
      body: `Body ${i} — ünïcödé 😀`,
    });
    if (saved.status !== 302) throw new Error(`save ${key}: ${saved.status}`);
    seeded.notes.push(key);
    await client.get(`/notes/view?key=${encodeURIComponent(key)}`);
    const comment = `comment on ${key} by ${user.username}`;
    const commented = await client.post('/notes/make-comment', { notekey: key, message: comment });
    if (commented.status !== 302) throw new Error(`comment on ${key}: ${commented.status}`);
    seeded.comments.push(`${key}: ${comment}`);
  }
  return seeded;
}

/**
 * Problems with what the web app shows for `seeded` (each note with its comment; each login).
 * A login answered 503 ("the login service is not answering, try again in a moment": notes gives
 * up on userauth after 3 s, which a just-restarted userauth on a CPU-starved machine can take)
 * is tried again, twice, a second apart, as a person would; any other refusal is a problem.
 */
export async function checkSeededOverHttp(baseUrl: string, seeded: Seeded): Promise<string[]> {
  const problems: string[] = [];
  for (const [i, key] of seeded.notes.entries()) {
    const page = await new Client(baseUrl).get(`/notes/view?key=${encodeURIComponent(key)}`);
    if (page.status !== 200) problems.push(`${key}: HTTP ${page.status}`);
    const comment = seeded.comments[i]?.split(': ')[1] ?? '';
    if (!page.text.includes(comment)) problems.push(`${key}: comment missing`);
  }
  for (const user of seeded.users) {
    let status = 0;
    for (let attempt = 1; attempt <= 3; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, 1000));
      status = (await new Client(baseUrl).login(user.username, user.password)).status;
      if (status !== 503) break;
    }
    if (status !== 302) problems.push(`login ${user.username}: HTTP ${status}`);
  }
  return problems;
}
