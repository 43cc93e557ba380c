/**
 * The apps' `/app/healthcheck.sh` (bash, one `GET /health`) probed inside a running container of
 * their image: against the app itself, a port nothing listens on, and two stand-in servers on
 * loopback (one answers 503, one accepts and never answers), so a script that only checked the
 * connection, or ignored its read timeout, fails a test. Used by the apps' image tests.
 */
import { expect } from 'vitest';
import { docker, type DockerResult } from '../bed/docker-cli.ts';

/** What one run of the script said: exit code, stderr + stdout, and how long the exec took. */
export interface ScriptRun {
  exitCode: number;
  output: string;
  ms: number;
}

/** The script's file in the image, and its runs in each situation. */
export interface HealthScriptReport {
  /** `stat` of /app/healthcheck.sh: owner, group, octal mode. */
  file: string;
  /** Whether the container's default user (node) may write the file. */
  writableByAppUser: boolean;
  healthy: ScriptRun;
  refused: ScriptRun;
  status503: ScriptRun;
  silent: ScriptRun;
}

const SCRIPT = '/app/healthcheck.sh';
const PORT_503 = 4901;
const PORT_SILENT = 4902;
// The stand-ins live 30 s at most, so they never outlast the test that started them.
const STUB = `const http = require('node:http');
http.createServer((q, s) => { s.writeHead(503, { 'content-type': 'application/json' }); s.end('{"status":"starting"}'); }).listen(${PORT_503}, '127.0.0.1');
http.createServer(() => {}).listen(${PORT_SILENT}, '127.0.0.1');
setTimeout(() => process.exit(0), 30_000);`;

async function runScript(container: string, port?: number): Promise<ScriptRun> {
  const started = Date.now();
  const env = port === undefined ? [] : ['-e', `PORT=${port}`];
  const r: DockerResult = await docker(['exec', ...env, container, SCRIPT], { reject: false });
  return { exitCode: r.exitCode, output: r.all, ms: Date.now() - started };
}

/** Probe `container`'s healthcheck.sh; the app in it must be healthy already. */
export async function probeHealthScript(container: string): Promise<HealthScriptReport> {
  const file = (await docker(['exec', container, 'stat', '-c', '%U:%G %a', SCRIPT])).stdout;
  const writable = await docker(['exec', container, 'bash', '-c', `test -w ${SCRIPT}`], {
    reject: false,
  });
  const healthy = await runScript(container);
  const refused = await runScript(container, 1);

  await docker(['exec', '-d', container, 'node', '-e', STUB]);
  // The stand-ins take a Node start-up to listen: until then the script says "cannot connect".
  const deadline = Date.now() + 15_000;
  let status503 = await runScript(container, PORT_503);
  while (/cannot connect/.test(status503.output)) {
    if (Date.now() > deadline) throw new Error(`stand-in never listened: ${status503.output}`);
    await new Promise((r) => setTimeout(r, 200));
    status503 = await runScript(container, PORT_503);
  }
  const silent = await runScript(container, PORT_SILENT);
  return {
    file,
    writableByAppUser: writable.exitCode === 0,
    healthy,
    refused,
    status503,
    silent,
  };
}

/**
 * Assert that `container`'s healthcheck.sh is root-owned 0755, read-only to the app user, silent
 * and 0 on the healthy app, and 1 with a one-line reason when refused, on a 503 and on silence.
 */
export async function expectHealthScriptWorks(container: string): Promise<HealthScriptReport> {
  const report = await probeHealthScript(container);
  expect(report.file).toBe('root:root 755');
  expect(report.writableByAppUser).toBe(false);
  expect(report.healthy).toMatchObject({ exitCode: 0, output: '' });
  expect(report.refused).toMatchObject({
    exitCode: 1,
    output: 'healthcheck: cannot connect to 127.0.0.1:1',
  });
  expect(report.status503).toMatchObject({
    exitCode: 1,
    output: 'healthcheck: GET /health answered "HTTP/1.1 503 Service Unavailable"',
  });
  expect(report.silent).toMatchObject({
    exitCode: 1,
    output: `healthcheck: no status line from 127.0.0.1:${PORT_SILENT} within 3 s`,
  });
  // The 3 s read timeout ends it (the stand-in would stay silent for 30 s); the upper bound leaves
  // room for a slow `docker exec` on a busy machine.
  expect(report.silent.ms).toBeGreaterThanOrEqual(2_900);
  expect(report.silent.ms).toBeLessThan(10_000);
  return report;
}
