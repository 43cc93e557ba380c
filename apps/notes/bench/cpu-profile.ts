/**
 * CPU cost per request, measured in-process (process.cpuUsage), which stays meaningful when the
 * machine is busy with other work and wall-clock req/s is not. Same setup as run.ts, in dev mode
 * from src/ with production settings: `node apps/notes/bench/cpu-profile.ts [--requests 2000]`.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startMariaDb } from '../../../test/bed/mariadb.ts';
import { startUserauth } from '../../../test/bed/userauth.ts';
import { Client } from '../test/helpers/client.ts';
import { startTestNotes } from '../test/helpers/notes-app.ts';

const { values: flags } = parseArgs({ options: { requests: { type: 'string', default: '2000' } } });
const requests = Number(flags.requests);

const [mariadb, userauth] = await Promise.all([startMariaDb(), startUserauth()]);
try {
  await userauth.createUser({ username: 'bench', password: 'bench-password-1' });
  const db = await mariadb.createDatabase(`notes_prof_${randomBytes(3).toString('hex')}`);
  const app = await startTestNotes({
    databaseUrl: db.url,
    userauthUrl: userauth.url,
    userauthKey: userauth.apiKey,
  });
  try {
    const client = new Client(app.url);
    await client.login('bench', 'bench-password-1');
    await client.get('/notes/add');
    for (let i = 1; i <= 100; i++) {
      await client.post('/notes/save', {
        docreate: 'create',
        notekey: `n${i}`,
        title: `Benchmark note ${i}`,
        body: 'x'.repeat(400),
      });
    }
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const cases: [string, string, Record<string, string>][] = [
      ['GET / anonymous', '/', {}],
      ['GET / logged in', '/', { cookie }],
      ['GET /notes/view anonymous', '/notes/view?key=n50', {}],
      ['GET /notes/view logged in', '/notes/view?key=n50', { cookie }],
    ];
    for (const [name, path, headers] of cases) {
      for (let i = 0; i < 200; i++) await (await fetch(`${app.url}${path}`, { headers })).text();
      const before = process.cpuUsage();
      const started = performance.now();
      // 8 concurrent loops, like a small wrk.
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = 0; i < requests / 8; i++)
            await (await fetch(`${app.url}${path}`, { headers })).text();
        }),
      );
      const cpu = process.cpuUsage(before);
      const wall = performance.now() - started;
      // Includes the client's fetch cost (same process); compare cases with each other.
      console.log(
        `${name.padEnd(28)} ${((cpu.user + cpu.system) / requests).toFixed(0).padStart(5)} µs CPU/request (client included), ${(requests / (wall / 1000)).toFixed(0)} req/s wall`,
      );
    }
  } finally {
    await app.stop();
  }
} finally {
  await Promise.all([userauth.stop(), mariadb.stop()]);
}
