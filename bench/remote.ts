/**
 * Remote benchmark (issue 6): notesctl beside docker-compose 1.29 (paramiko) and the docker CLI
 * script, all deploying the Notes stack to one namespace test host behind the delay proxy
 * (25 ms each way = 50 ms round trip), measured in one run. Cold `up` with the images on the host
 * and existing volumes, no-op `up`, `ps`, `down`; SSH connections per command; the bytes shipped
 * after a one-line change; the targets. bench/README.md explains every figure.
 *
 *   npm run build && node bench/remote.ts [--runs 3] [--fast-runs 5] [--delay-ms 25]
 *                                         [--profile DIR] [--json FILE]
 */
import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cleanUpOnSignals, runCleanup } from './support/cleanup.ts';
import { measureOneLineChange, type OneLineChange } from './support/one-line-change.ts';
import { copyImages, peerVersions, startBenchHost } from './support/remote-host.ts';
import { PERSISTENT, printRemote } from './support/remote-report.ts';
import { writeRawFigures } from './support/report.ts';
import { measureRemote, primeTool, type RemoteResults } from './support/remote-rounds.ts';
import { tracePhases } from './support/phases.ts';
import { profile } from './support/rounds.ts';
import { measureServices, type ServiceReady } from './support/service-ready.ts';
import { timeCommand } from './support/timing.ts';
import { tools, type Tool } from './support/tools.ts';
import type { Topology } from '../src/model/topology.ts';
import { distIsFresh, NOTESCTL, prepareWorkspace } from './support/workspace.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'fast-runs': { type: 'string', default: '5' },
    'delay-ms': { type: 'string', default: '25' },
    profile: { type: 'string' },
    json: { type: 'string' },
  },
});
const runs = Number(values.runs);
const fastRuns = Number(values['fast-runs']);
const delayMs = Number(values['delay-ms']);
if (!(runs >= 1 && fastRuns >= 2 && delayMs >= 0)) {
  console.error(
    'usage: node bench/remote.ts [--runs N (≥ 1, default 3)] [--fast-runs M (≥ 2, default 5)] [--delay-ms D (each way, default 25)] [--profile DIR] [--json FILE]',
  );
  process.exit(2);
}
if (!(await distIsFresh())) {
  console.error(
    'dist/ is missing or older than src/: run `npm run build` first (the bench times bin/notesctl).',
  );
  process.exit(2);
}

const started = performance.now();
const log = (text: string) =>
  console.error(`[bench +${((performance.now() - started) / 1000).toFixed(0)} s] ${text}`);

const HOST = 'benchhost';
const loadBefore = loadavg();
cleanUpOnSignals();
let results: RemoteResults | undefined;
let change: OneLineChange | undefined;
let services: Map<string, ServiceReady> | undefined;
let profiles: string[] = [];
let topology: Topology | undefined;
let peers: string | undefined;
try {
  const id = `rb${randomBytes(3).toString('hex')}`;
  log(`starting test host ${id}-h behind the delay proxy (${delayMs} ms each way)…`);
  const bench = await startBenchHost(id, delayMs);
  peers = await peerVersions({ ...bench.env, ...bench.peerEnv });
  const ws = await prepareWorkspace(log, bench.secrets);
  topology = ws.script.topology;
  await timeCommand({
    argv: [
      ...[NOTESCTL, 'provision', 'ssh', HOST, `root@127.0.0.1:${bench.proxy.port}`],
      ...['--identity', bench.host.identityFile, '--accept-new-host-key'],
    ],
    cwd: ws.dir,
    env: { ...ws.env, ...bench.env },
  });
  const all = tools(ws, { host: HOST, env: bench.env, peerEnv: bench.peerEnv });
  // notesctl again with its opt-in persistent connection (NOTESCTL_SSH_PERSIST, like
  // ControlPersist): same stack, same project; each command after the first skips the SSH
  // handshake. The background process ends with the test host at clean-up.
  const persistent: Tool = {
    ...all.notesctl,
    name: PERSISTENT,
    ...Object.fromEntries(
      (['up', 'ps', 'down', 'downVolumes'] as const).map((k) => [
        k,
        { ...all.notesctl[k], env: { ...all.notesctl[k].env, NOTESCTL_SSH_PERSIST: '120' } },
      ]),
    ),
  };
  const list: Tool[] = [
    all.notesctl,
    { ...all.compose, name: 'compose (paramiko)' },
    all.script,
    persistent,
  ];
  const healthUrl = (tool: Tool) => `http://${bench.host.address}:${tool.port}/health`;
  log('copying the images onto the host (not timed)…');
  await copyImages(bench.host, [...new Set(ws.images.values())]);
  // First deploys, untimed: each stack's databases initialise. notesctl's goes alone: containers
  // inherit its image labels (io.notesctl.project), so its `down` would take the peers' app
  // containers too; the peers select by their own labels and may overlap.
  log('first deploy of notesctl, then of both peers at once (not timed: initialises databases)…');
  await primeTool(all.notesctl, healthUrl(all.notesctl));
  await Promise.all(list.slice(1, 3).map((tool) => primeTool(tool, healthUrl(tool))));
  const at = (argv: string[]) => ({ argv, cwd: ws.dir, env: { ...ws.env, ...bench.env } });
  results = await measureRemote(list, {
    runs,
    fastRuns,
    proxy: bench.proxy,
    healthUrl,
    dir: ws.dir,
    floors: [
      ['node -e 0', at([process.execPath, '-e', '0'])],
      ['notesctl --version', at([NOTESCTL, '--version'])],
      ['ssh host true (OpenSSH, through the proxy)', at(bench.sshTrue)],
    ],
    log,
    whileUp: async (tool) => {
      if (tool !== all.notesctl) return;
      log('one-line change to apps/notes: rebuild here, then notesctl up ships it…');
      change = await measureOneLineChange(ws, tool, healthUrl(tool), bench.proxy);
      if (values.profile === undefined) return;
      log('profiling notesctl no-op up and ps…');
      const dir = resolve(values.profile);
      profiles = await profile(tool, dir);
      profiles.unshift(
        [
          'Phases of notesctl’s wall time (timestamps, median of 3 runs each):',
          await tracePhases('no-op up', tool.up, 3, dir),
          await tracePhases('ps', tool.ps, 3, dir),
        ].join('\n'),
      );
    },
  });
  log('services one at a time on the host, existing volumes (the floor under a cold up)…');
  const create = { ...all.script.up, argv: ['bash', ws.script.scriptFile, 'create'] };
  services = await measureServices(
    ws.script.topology,
    ws.script.project,
    { reset: all.script.down, create },
    new Docker({ socketPath: bench.host.dockerSocket }),
  );
  await timeCommand(all.script.down);
  if (!change) throw new Error('bug: the one-line change was not measured');
} finally {
  log('cleaning up');
  await runCleanup();
}
const loadAfter = loadavg();
printRemote({
  results,
  change,
  services,
  topology,
  peers,
  profiles,
  runs,
  fastRuns,
  delayMs,
  loadBefore,
  loadAfter,
});
if (values.json !== undefined) {
  await writeRawFigures(values.json, {
    runs,
    fastRuns,
    delayMs,
    loadBefore,
    loadAfter,
    samples: results.samples,
    noop: results.noop,
    ps: results.ps,
    baselines: results.baselines,
    services,
    oneLineChange: change,
  });
}
