/**
 * The edge proxy's cost on `GET /` (issue 19: req/s through the proxy ÷ direct, goal ≥ 0.85).
 * notesctl's notes container publishes nothing, so "direct" is its own port on the project's edge
 * network. To compare like with like, both sides are measured by the same client from the same
 * place: saturate.ts in a throwaway container on that network, once against the notes container
 * (`NAME:3000`) and once against the proxy (`notesctl-edge-proxy:80`, which forwards to it), in
 * alternation. Neither path crosses docker-proxy or the host's loopback, so the ratio is the
 * proxy's hop alone; the client shares the machine's CPUs with notes (and the proxy) either way.
 * On a machine this small, the ratio is mostly the proxy's CPU time taking cores from notes, so
 * each sample also takes the CPU time notes and the proxy used per request (the engine's stats
 * before and after: warm-up included, on both sides alike).
 */
import { join } from 'node:path';
import { networkName } from '../../src/model/names.ts';
import { EDGE_NETWORK } from '../../src/model/topology.ts';
import { PROXY_CONTAINER } from '../../src/proxy/names.ts';
import { docker } from './cleanup.ts';
import type { SaturateResult } from './saturate.ts';
import { timeCommand } from './timing.ts';
import { ROOT, type Workspace } from './workspace.ts';

/** One sample: the client's figures and the CPU time notes and the proxy used meanwhile. */
export interface CostSample extends SaturateResult {
  /** CPU time per request answered (warm-up included), in µs. */
  notesCpuUs: number;
  proxyCpuUs: number;
}

/** Samples of both sides, in the order taken. */
export interface ProxyCost {
  direct: CostSample[];
  proxied: CostSample[];
}

/** A container's CPU time so far (ns), from the engine's one-shot stats. */
async function cpuNs(id: string): Promise<number> {
  const stats = await docker.getContainer(id).stats({ stream: false, 'one-shot': true });
  return stats.cpu_stats.cpu_usage.total_usage;
}

/** The client's image: the Node base image the apps are built on (present wherever they build). */
const CLIENT_IMAGE = 'node:24-bookworm-slim';

/** Measure `pairs` × (direct, through the proxy), `seconds` each, `connections` keep-alive clients. */
export async function measureProxyCost(
  ws: Workspace,
  pairs: number,
  seconds: number,
  connections: number,
  log: (text: string) => void,
): Promise<ProxyCost> {
  const { project } = ws.notesctl;
  const [notes] = await docker.listContainers({
    filters: JSON.stringify({
      label: [`io.notesctl.project=${project}`, 'io.notesctl.service=notes'],
      status: ['running'],
    }),
  });
  const container = notes?.Names[0]?.replace(/^\//, '');
  if (!notes || !container) throw new Error(`no running notes container of ${project}`);
  const port = ws.notesctl.topology.services.notes?.http?.port ?? 3000;
  const run = async (url: string): Promise<CostSample> => {
    const before = await Promise.all([cpuNs(notes.Id), cpuNs(PROXY_CONTAINER)]);
    let stdout = '';
    await timeCommand(
      {
        argv: [
          'docker',
          'run',
          '--rm',
          // Found by the project's label at cleanup if the bench is interrupted.
          '--label',
          `io.notesctl.project=${project}`,
          '--network',
          networkName(project, EDGE_NETWORK),
          '-v',
          `${join(ROOT, 'bench', 'support', 'saturate.ts')}:/bench/saturate.ts:ro`,
          '--entrypoint',
          'node',
          CLIENT_IMAGE,
          '/bench/saturate.ts',
          url,
          String(connections),
          String(seconds),
        ],
        cwd: ws.dir,
        env: ws.env,
      },
      (seconds + 60) * 1000,
      (text, stream) => {
        if (stream === 'stdout') stdout += text;
      },
    );
    const after = await Promise.all([cpuNs(notes.Id), cpuNs(PROXY_CONTAINER)]);
    const result = JSON.parse(stdout) as SaturateResult;
    const answered = result.ok + result.non2xx + result.warmup;
    const perRequest = (i: number) => ((after[i] ?? 0) - (before[i] ?? 0)) / 1000 / answered;
    return { ...result, notesCpuUs: perRequest(0), proxyCpuUs: perRequest(1) };
  };
  const cost: ProxyCost = { direct: [], proxied: [] };
  for (let i = 0; i < pairs; i++) {
    // Alternate which side goes first, so a drift in the machine's speed favours neither.
    const order = i % 2 === 0 ? ['direct', 'proxied'] : ['proxied', 'direct'];
    for (const side of order) {
      const url =
        side === 'direct' ? `http://${container}:${port}/` : `http://${PROXY_CONTAINER}:80/`;
      const sample = await run(url);
      log(`proxy cost: ${side} ${sample.rps.toFixed(0)} req/s (p99 ${sample.p99Ms.toFixed(1)} ms)`);
      (side === 'direct' ? cost.direct : cost.proxied).push(sample);
    }
  }
  return cost;
}
