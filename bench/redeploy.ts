/**
 * Redeploy benchmark (issue 19): notes replaced N times (a one-line change each time) under a
 * steady ~200 req/s of `GET /` and `GET /notes/view`, by notesctl (blue/green behind its edge
 * proxy), by docker-compose 1.29 (`up -d`) and by a plain docker stop/start, one stack at a time
 * on the local engine, in one run. Every request is counted; p99 latency in the redeploy windows;
 * notesctl's "new release healthy → traffic moved"; the proxy's cost on `GET /`.
 * bench/README.md explains every figure.
 *
 *   npm run build && flock /tmp/docker-heavy.lock node bench/redeploy.ts [--rounds 5]
 *     [--seconds 20] [--rate 200] [--cost-seconds 10] [--save]
 */
import { execFileSync } from 'node:child_process';
import { access, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cleanUpOnSignals, docker, runCleanup } from './support/cleanup.ts';
import { buildNotesVersions } from './support/notes-versions.ts';
import { benchLog, staleDist } from './support/prologue.ts';
import { proxyInUse, removeProxy, serveThroughProxy } from './support/proxy-copy.ts';
import { measureProxyCost, type ProxyCost } from './support/proxy-cost.ts';
import { runPhase, type PhaseResult } from './support/redeploy-phase.ts';
import { redeployReport } from './support/redeploy-report.ts';
import { redeployTools } from './support/redeploy-tools.ts';
import { prepareWorkspace, ROOT } from './support/workspace.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '20' },
    rate: { type: 'string', default: '200' },
    'cost-seconds': { type: 'string', default: '10' },
    save: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const quietSeconds = Number(values.seconds);
const rate = Number(values.rate);
const costSeconds = Number(values['cost-seconds']);
if (!(rounds >= 1 && quietSeconds >= 1 && rate >= 2 && rate <= 1000 && costSeconds >= 1)) {
  console.error(
    'usage: node bench/redeploy.ts [--rounds N (≥ 1, default 5)] [--seconds S (quiet load before and after each redeploy, ≥ 1, default 20)] [--rate R (req/s, 2-1000, default 200)] [--cost-seconds S (default 10)] [--save]',
  );
  process.exit(2);
}

const log = benchLog();
// One edge proxy per host: one that exists is someone else's, and this bench removes its own.
const refusal = (await staleDist()) ?? (await proxyInUse());
if (refusal) {
  console.error(refusal);
  process.exit(2);
}
const commit = describeCommit();
const loadBefore = loadavg();
const others = (await docker.listContainers()).length;
cleanUpOnSignals();
const phases: PhaseResult[] = [];
let cost: ProxyCost | undefined;
try {
  const ws = await serveThroughProxy(await prepareWorkspace(log));
  const versions = await buildNotesVersions(ws, rounds, log);
  for (const tool of redeployTools(ws)) {
    phases.push(await runPhase(tool, versions, { rate, quietMs: quietSeconds * 1000 }, log));
    if (tool.name === 'notesctl') cost = await measureProxyCost(ws, 3, costSeconds, 16, log);
    log(`${tool.name}: down`);
    await tool.down();
    // The proxy outlives notesctl's down (it is the host's); gone, it costs the peers nothing.
    if (tool.name === 'notesctl') await removeProxy();
  }
} finally {
  log('cleaning up');
  await runCleanup();
}
if (!cost) throw new Error('bug: no proxy cost measured');
const report = redeployReport({
  phases,
  cost,
  rate,
  quietSeconds,
  loadBefore,
  loadAfter: loadavg(),
  others,
  commit,
});
console.log(report);
if (values.save) console.log(`report written to ${await save(report)}`);

/** The commit dist/ was built from, and whether src/ differs from it. */
function describeCommit(): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' }).trim();
  try {
    const dirty = git('status', '--porcelain', '--', 'src').length > 0;
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ', with uncommitted changes under src/ (dist/ built from the working tree)' : ' (dist/ built from it)'}`;
  } catch {
    return `unknown: ${ROOT} is not a git checkout`;
  }
}

/** Write the report to bench/results/redeploy-DATE[-N].md (a new file, never over another). */
async function save(text: string): Promise<string> {
  const date = new Date().toISOString().slice(0, 10);
  for (let n = 1; ; n++) {
    const file = join(ROOT, 'bench', 'results', `redeploy-${date}${n > 1 ? `-${n}` : ''}.md`);
    if (
      await access(file).then(
        () => true,
        () => false,
      )
    )
      continue;
    const command = `node bench/redeploy.ts ${process.argv.slice(2).join(' ')}`.trim();
    await writeFile(
      file,
      `# bench/redeploy.ts — ${date}, \`${command}\`\n\n\`\`\`\n${text.trim()}\n\`\`\`\n`,
    );
    return file;
  }
}
