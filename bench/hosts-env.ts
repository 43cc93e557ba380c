/**
 * `hosts env` benchmark (issue 23): your own docker commands against a test host at a 50 ms
 * round trip (25 ms each way through the delay proxy), through `notesctl hosts env` (one SSH
 * connection held by notesctl's background process) beside `DOCKER_HOST=ssh://` (the docker CLI
 * runs `ssh … docker system dial-stdio` per command; docker-compose 1.29 through paramiko), in
 * one run, interleaved. Counts the SSH logins the proxy saw per command.
 *
 *   node bench/hosts-env.ts [--runs 5] [--delay 25] [--save]
 */
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { debianImage } from '../test/bed/images.ts';
import { terminate } from '../test/bed/procs.ts';
import { cleanUpOnSignals, onCleanup, runCleanup } from './support/cleanup.ts';
import { copyImages, peerVersions, startBenchHost } from './support/remote-host.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    delay: { type: 'string', default: '25' },
    save: { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const ROOT = join(import.meta.dirname, '..');
const id = `he${randomBytes(2).toString('hex')}`;

cleanUpOnSignals();
try {
  const bench = await startBenchHost(id, Number(values.delay));
  await copyImages(bench.host, [debianImage]);
  const home = bench.env.HOME ?? '';
  const env = { ...bench.env, NOTESCTL_HOME: join(home, 'state'), NO_COLOR: '1' };
  await writeFile(
    join(home, 'notesctl.config.yaml'),
    `project: ${id}\nhosts:\n  h1: { ssh: 'root@127.0.0.1:${bench.proxy.port}', identity: '${bench.host.identityFile}' }\nservices:\n  app: { image: '${debianImage}', host: h1 }\n`,
  );
  const printed = await execa(
    process.execPath,
    [
      join(ROOT, 'test/support/notesctl-entry.ts'),
      '--accept-new-host-key',
      'hosts',
      'env',
      'h1',
      '--shell',
      'bash',
    ],
    { cwd: home, env },
  );
  const socket = /unix:\/\/(.+)"/.exec(printed.stdout)?.[1] ?? '';
  onCleanup('stop the hosts env connection', async () => {
    const { stdout } = await execa('pgrep', ['-f', socket], { reject: false });
    await terminate(stdout.split('\n').filter(Boolean).map(Number), 5000);
  });
  await writeFile(
    join(home, 'docker-compose.yml'),
    `version: "3.7"\nservices:\n  web:\n    image: ${debianImage}\n    command: ["sleep", "600"]\n`,
  );
  const ways = {
    'hosts env': { ...env, DOCKER_HOST: `unix://${socket}` },
    // The docker CLI and compose both run the ssh binary (compose without paramiko, which this
    // machine's compose does not have).
    'ssh://': { ...env, DOCKER_HOST: bench.dockerHost, DOCKER_CONFIG: join(home, '.docker') },
  } as const;
  const commands: [string, string, string[]][] = [
    ['docker ps', 'docker', ['ps']],
    ['docker run --rm IMAGE true', 'docker', ['run', '--rm', debianImage, 'true']],
    ['docker-compose up -d', 'docker-compose', ['-p', id, 'up', '-d']],
    ['docker-compose ps', 'docker-compose', ['-p', id, 'ps']],
  ];
  const samples = new Map<string, { s: number[]; logins: number[] }>();
  for (let round = 0; round < RUNS; round++) {
    const order =
      round % 2 === 0 ? (['hosts env', 'ssh://'] as const) : (['ssh://', 'hosts env'] as const);
    for (const [name, file, args] of commands) {
      for (const way of order) {
        bench.proxy.resetStats();
        const started = process.hrtime.bigint();
        await execa(file, args, { cwd: home, env: ways[way] });
        const s = Number(process.hrtime.bigint() - started) / 1e9;
        const key = `${name}|${way}`;
        const entry = samples.get(key) ?? { s: [], logins: [] };
        entry.s.push(s);
        entry.logins.push(bench.proxy.stats.connections);
        samples.set(key, entry);
        if (name === 'docker-compose up -d') {
          await execa('docker-compose', ['-p', id, 'down', '-t', '0'], {
            cwd: home,
            env: ways['hosts env'],
          });
        }
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const lines = [
    `# hosts env benchmark, ${new Date().toISOString().slice(0, 16)}Z`,
    '',
    `${RUNS} interleaved rounds, ${Number(values.delay) * 2} ms round trip to the test host; ${await peerVersions(env)}; load ${(await execa('cat', ['/proc/loadavg'])).stdout.split(' ').slice(0, 3).join(' ')}`,
    '',
    '| command | hosts env s (median) | ssh:// s (median) | ssh:// / hosts env | SSH logins per command (hosts env / ssh://) |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [name] of commands) {
    const env = samples.get(`${name}|hosts env`);
    const ssh = samples.get(`${name}|ssh://`);
    if (!env || !ssh) continue;
    lines.push(
      `| ${name} | ${median(env.s).toFixed(3)} | ${median(ssh.s).toFixed(3)} | ${(median(ssh.s) / median(env.s)).toFixed(1)}× | ${Math.max(...env.logins)} / ${median(ssh.logins)} |`,
    );
  }
  const report = lines.join('\n');
  console.log(report);
  if (values.save) {
    const file = join(
      ROOT,
      'bench',
      'results',
      `hosts-env-${new Date().toISOString().slice(0, 10)}.md`,
    );
    await writeFile(file, `${report}\n`);
    console.log(`saved ${file}`);
  }
} finally {
  await runCleanup();
}
