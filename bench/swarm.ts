/**
 * Swarm benchmark (issue 20): the Notes stack (notes × 3) on clusters of namespace test hosts,
 * in one run —
 *   1. first `up` (after `cluster up`) to a fresh 1-node and a fresh 3-node cluster: the
 *      operator's images are built beforehand, the nodes hold none, so all four are shipped;
 *   2. no-op `up` on the 3 nodes with every SSH connection through a delay proxy (50 ms RTT);
 *   3. beside it, `docker stack deploy` by the docker CLI over DOCKER_HOST=ssh:// at the same
 *      RTT, with an equivalent stack file and the same images (left on the nodes by notesctl):
 *      first deploy and no-op re-deploy, against notesctl's first deploy with images present;
 *   4. the bytes shipped to the 3 nodes after a one-line change of apps/notes (a temp copy),
 *      against the size of the changed layers.
 * bench/README.md ("Swarm") explains every figure.
 *
 *   flock /tmp/docker-heavy.lock node bench/swarm.ts [--delay-ms 25] [--runs 5] [--save]
 */
import { randomBytes } from 'node:crypto';
import { access, appendFile, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTopology } from '../src/config/index.ts';
import { LABEL } from '../src/model/names.ts';
import { hostApi, startClusterBed, trustBedHosts } from '../test/bed/cluster.ts';
import type { TestHost } from '../test/bed/hosts.ts';
import { readPidFile } from '../test/bed/procs.ts';
import { cleanUpOnSignals, docker, onCleanup, runCleanup } from './support/cleanup.ts';
import { changedLayers } from './support/layer-sizes.ts';
import { benchLog } from './support/prologue.ts';
import { buildPrivateCli } from './support/private-build.ts';
import { stackCaddyfile, stackFile } from './support/stack-file.ts';
import { converged, directHosts, hostDockerdPid, servicesOf } from './support/swarm-clusters.ts';
import { startDelayedAccess, writeSwarmTopology } from './support/swarm-clusters.ts';
import { shippedTotals, upSummary } from './support/swarm-phases.ts';
import { swarmReport, type SwarmFigures } from './support/swarm-report.ts';
import { runTimed, until } from './support/swarm-run.ts';
import { waitHttpOk } from './support/timing.ts';
import { ROOT } from './support/workspace.ts';

const { values } = parseArgs({
  options: {
    'delay-ms': { type: 'string', default: '25' },
    runs: { type: 'string', default: '5' },
    save: { type: 'boolean', default: false },
  },
});
const delayMs = Number(values['delay-ms']);
const runs = Number(values.runs);
if (!(delayMs >= 0 && runs >= 1)) {
  console.error(
    'usage: node bench/swarm.ts [--delay-ms D (each way, default 25)] [--runs N (default 5)] [--save]',
  );
  process.exit(2);
}

const log = benchLog();
const loadBefore = loadavg();
cleanUpOnSignals();
const id = `swb${randomBytes(2).toString('hex')}`;
const oneNames = [`${id}-s`];
const threeNames = [`${id}-a`, `${id}-b`, `${id}-c`];
const figures: Partial<SwarmFigures> = { delayMs, runs, loadBefore };
try {
  log('building the CLI in a temp copy (the checkout as it is)');
  const cli = await buildPrivateCli();
  figures.commit = cli.commit;
  const dir = await mkdtemp(join(tmpdir(), `notesctl-${id}-`));
  onCleanup(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  for (const app of ['notes', 'userauth'])
    await cp(join(ROOT, 'apps', app), join(dir, 'apps', app), {
      recursive: true,
      filter: (source) => !/\/(node_modules|dist|coverage)(\/|$)/.test(source),
    });
  const home = join(dir, 'home');
  await mkdir(home);
  const env = {
    HOME: home,
    NOTESCTL_HOME: join(dir, 'state'),
    SSH_AUTH_SOCK: '',
    NO_COLOR: '1',
    PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}`,
  };
  const notesctl = (file: string, args: string[], meter: Record<string, number> = {}) =>
    runTimed({ argv: [process.execPath, cli.notesctl, '-f', file, ...args], env, cwd: dir, meter });

  log(`starting test hosts ${[...oneNames, ...threeNames].join(', ')}`);
  const bed = await startClusterBed([...oneNames, ...threeNames]);
  onCleanup('stop the test hosts', () => bed.stop());
  trustBedHosts(home, bed);
  const host = (name: string): TestHost => {
    const found = bed.hosts.find((h) => h.name === name);
    if (!found) throw new Error(`no host ${name}`);
    return found;
  };
  const apps = join(dir, 'apps');
  const files = {
    one: join(dir, 'one.yaml'),
    three: join(dir, 'three.yaml'),
    slow: join(dir, 'three-delayed.yaml'),
  };
  await writeSwarmTopology(files.one, {
    project: id,
    hosts: directHosts(bed, oneNames),
    cluster: 'one',
    members: oneNames,
    apps,
  });
  await writeSwarmTopology(files.three, {
    project: id,
    hosts: directHosts(bed, threeNames),
    cluster: 'three',
    members: threeNames,
    apps,
  });
  onCleanup('remove the images built for the bench', () => removeProjectImages(id));

  log('cluster up one (not timed)');
  figures.clusterUp = { one: (await notesctl(files.one, ['cluster', 'up', 'one'])).ms };
  // `build` opens the cluster's target, so it comes after `cluster up`.
  log('building the app images on this engine (not timed)');
  await notesctl(files.one, ['build']);
  const localDockerd = readPidFile('/var/run/docker.pid') ?? 0;
  const meterOf = (names: string[]) => ({
    'dockerd here': localDockerd,
    ...Object.fromEntries(names.map((n) => [`dockerd ${n}`, hostDockerdPid(host(n))])),
  });

  /** First up on a fresh cluster: timed to its return, then until converged with /health 200 on every node. */
  const firstDeploy = async (file: string, names: string[]) => {
    const run = await notesctl(file, ['--json', '-v', 'up'], meterOf(names));
    const started = performance.now();
    await settle(host(names[0] ?? ''), id, names);
    return { run, settleMs: performance.now() - started };
  };
  const settle = async (manager: TestHost, prefix: string, names: string[]) => {
    await until(`${prefix} converged`, () => converged(manager, prefix, names.length));
    for (const n of names) await waitHttpOk(`http://${host(n).address}:3000/health`, 100, 300_000);
  };

  log('1 node: first up');
  const one = await firstDeploy(files.one, oneNames);
  figures.first = { one };
  log(`1 node: ${(one.run.ms / 1000).toFixed(1)} s; stopping that host`);
  for (const n of oneNames) await host(n).stop();

  log('cluster up three (not timed)');
  figures.clusterUp.three = (await notesctl(files.three, ['cluster', 'up', 'three'])).ms;
  log('3 nodes: first up');
  const three = await firstDeploy(files.three, threeNames);
  figures.first.three = three;
  log(`3 nodes: ${(three.run.ms / 1000).toFixed(1)} s`);

  const threeHosts = threeNames.map(host);
  const manager = threeHosts[0] ?? host('');
  const access = await startDelayedAccess(threeHosts, home, delayMs);
  await writeSwarmTopology(files.slow, {
    project: id,
    hosts: access.hosts,
    cluster: 'three',
    members: threeNames,
    apps,
  });
  const proxyStats = () => {
    const all = [...access.proxies.values()].map((p) => p.stats);
    return {
      connections: all.reduce((a, s) => a + s.connections, 0),
      sent: all.reduce((a, s) => a + s.bytesToTarget, 0),
      received: all.reduce((a, s) => a + s.bytesFromTarget, 0),
    };
  };
  const resetProxies = () => access.proxies.forEach((p) => p.resetStats());

  log('SSH login floor through the proxy');
  const sshTrue: number[] = [];
  figures.sshTrue = sshTrue;
  for (let i = 0; i < 3; i++)
    sshTrue.push((await runTimed({ argv: access.sshTrue, env: access.dockerEnv, cwd: dir })).ms);

  log(`no-op up × ${runs} through the proxies`);
  const noop: SwarmFigures['noop'] = [];
  figures.noop = noop;
  await notesctl(files.slow, ['up']); // warm-up: V8's compile cache of the private build
  for (let i = 0; i < runs; i++) {
    resetProxies();
    const run = await notesctl(files.slow, ['--json', 'up']);
    const changes = upSummary(run).reduce((a, s) => a + s.changes + s.images.length, 0);
    noop.push({ ms: run.ms, ...proxyStats(), changes });
  }
  const noopDirect: number[] = [];
  figures.noopDirect = noopDirect;
  for (let i = 0; i < 3; i++) noopDirect.push((await notesctl(files.three, ['up'])).ms);

  log('one-line change of apps/notes: build (not timed), then up through the proxies');
  const [oldNotes] = await docker.listImages({
    filters: JSON.stringify({ reference: [`notesctl-${id}/notes`] }),
  });
  await appendFile(join(apps, 'notes', 'src', 'server.ts'), '\n// one more line\n');
  await notesctl(files.three, ['build', 'notes']);
  resetProxies();
  const change = await notesctl(files.slow, ['--json', '-v', 'up'], meterOf(threeNames));
  const changeWire = proxyStats();
  const shippedNotes = upSummary(change)
    .flatMap((s) => s.shipped)
    .filter((s) => s.ref.startsWith(`notesctl-${id}/notes:`));
  const newNotes = shippedNotes[0]?.ref;
  if (!oldNotes || !newNotes) throw new Error('the one-line change shipped no notes image');
  const layers = await changedLayers(oldNotes.Id, newNotes);
  figures.change = {
    run: change,
    wire: changeWire,
    shipped: shippedTotals(shippedNotes),
    perNode: shippedNotes,
    layers,
  };

  // The peer runs the same images by tag and pins the databases where notesctl did.
  const topology = await loadTopology(files.three);
  const constraints = new Map(
    (await servicesOf(manager, id)).map((s) => [
      s.Spec.Labels[LABEL.service] ?? '',
      s.Spec.TaskTemplate.Placement?.Constraints ?? [],
    ]),
  );
  const [userauth] = await docker.listImages({
    filters: JSON.stringify({ reference: [`notesctl-${id}/userauth`] }),
  });
  const images = new Map([
    ['notes', newNotes],
    ['userauth', userauth?.RepoTags?.[0] ?? ''],
    ['db-notes', 'mariadb:10.11'],
    ['db-userauth', 'mariadb:10.11'],
    ['edge-proxy', topology.proxy.image],
  ]);

  log(
    'notesctl: down --volumes, then a first up with the images on the nodes, through the proxies',
  );
  const gone = async (project: string) => {
    await until(`${project}'s containers gone`, async () => {
      const label = encodeURIComponent(JSON.stringify({ label: [`${LABEL.project}=${project}`] }));
      const left = await Promise.all(
        threeHosts.map((h) =>
          hostApi<unknown[]>(h, 'GET', `/containers/json?all=1&filters=${label}`),
        ),
      );
      return left.every((l) => l.length === 0);
    });
  };
  await notesctl(files.slow, ['down', '--volumes', '--yes']);
  await gone(id);
  const warmRun = await notesctl(files.slow, ['--json', '-v', 'up'], meterOf(threeNames));
  const warmSettle = performance.now();
  await settle(manager, id, threeNames);
  figures.warm = { run: warmRun, settleMs: performance.now() - warmSettle };
  await notesctl(files.slow, ['down', '--volumes', '--yes']);
  await gone(id);

  log("peer: docker stack deploy through the manager's proxy");
  const stack = `${id}peer`;
  const secretsDir = join(dir, 'peer-secrets');
  await mkdir(secretsDir, { mode: 0o700 });
  for (const name of Object.keys(topology.secrets))
    await writeFile(join(secretsDir, name), randomBytes(24).toString('hex'), { mode: 0o600 });
  const caddyfile = join(dir, 'Caddyfile');
  await writeFile(caddyfile, stackCaddyfile(topology, stack));
  const stackYaml = join(dir, 'stack.yml');
  await writeFile(
    stackYaml,
    stackFile(topology, { stack, images, constraints, secretsDir, caddyfile }),
  );
  figures.stackFile = stackYaml;
  const dockerCli = (args: string[], meter: Record<string, number> = {}) =>
    runTimed({ argv: ['docker', ...args], env: access.dockerEnv, cwd: dir, meter });
  const deploy = ['stack', 'deploy', '--resolve-image', 'never', '-c', stackYaml, stack];
  figures.peerVersion = (
    await dockerCli(['version', '--format', '{{.Client.Version}} (API {{.Client.APIVersion}})'])
  ).stdout.trim();
  resetProxies();
  const peerFirst = await dockerCli(deploy, meterOf(threeNames));
  const peerFirstWire = proxyStats();
  const peerSettleStart = performance.now();
  await settle(manager, stack, threeNames);
  const peerNoop: SwarmFigures['peer']['noop'] = [];
  figures.peer = {
    first: peerFirst,
    firstWire: peerFirstWire,
    firstSettleMs: performance.now() - peerSettleStart,
    noop: peerNoop,
  };
  for (let i = 0; i < runs; i++) {
    const before = await servicesOf(manager, stack);
    const tasksBefore = (await hostApi<unknown[]>(manager, 'GET', '/tasks')).length;
    const run = await dockerCli(deploy);
    const after = await servicesOf(manager, stack);
    // Version.Index is the raft index of the service's last update: a change means an update.
    const updated = after.filter(
      (s) => s.Version.Index !== before.find((b) => b.ID === s.ID)?.Version.Index,
    ).length;
    const newTasks = (await hostApi<unknown[]>(manager, 'GET', '/tasks')).length - tasksBefore;
    peerNoop.push({ ms: run.ms, servicesUpdated: updated, services: after.length, newTasks });
  }
} catch (error) {
  figures.error = error instanceof Error ? error.message : String(error);
  process.exitCode = 1;
} finally {
  log('cleaning up');
  await runCleanup();
  figures.loadAfter = loadavg();
}
const report = swarmReport(figures);
console.log(report);
if (values.save) console.log(`report written to ${await save(report)}`);

/** Remove the images tagged for project `project` on this engine. */
async function removeProjectImages(project: string): Promise<void> {
  const found = await docker.listImages({
    filters: JSON.stringify({ reference: [`notesctl-${project}/*`] }),
  });
  for (const image of found)
    for (const tag of image.RepoTags ?? [])
      await docker
        .getImage(tag)
        .remove()
        .catch(() => undefined);
}

/** Write the report to bench/results/swarm-DATE[-N].md (a new file, never over another). */
async function save(text: string): Promise<string> {
  const date = new Date().toISOString().slice(0, 10);
  for (let n = 1; ; n++) {
    const file = join(ROOT, 'bench', 'results', `swarm-${date}${n > 1 ? `-${n}` : ''}.md`);
    if (
      await access(file).then(
        () => true,
        () => false,
      )
    )
      continue;
    const command = `node bench/swarm.ts ${process.argv.slice(2).join(' ')}`.trim();
    await writeFile(
      file,
      `# bench/swarm.ts — ${date}, \`${command}\`\n\n\`\`\`\n${text.trim()}\n\`\`\`\n`,
    );
    return file;
  }
}
