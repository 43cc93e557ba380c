/**
 * Closed-loop throughput client for the proxy's cost (issue 19: req/s through the proxy ÷
 * direct): C keep-alive connections, each sending GET after GET as fast as answers come, for
 * S seconds after one second of warm-up. It imports only Node, so the bench runs this very file
 * inside a container on the project's edge network (`node saturate.ts URL C S`), where it
 * reaches both the proxy and the notes container by name; it prints one line of JSON.
 */
import { Agent, request } from 'node:http';

/** The line this client prints. */
export interface SaturateResult {
  url: string;
  connections: number;
  seconds: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Answers during the warm-up second (not in the figures; the servers' CPU time includes them). */
  warmup: number;
  /** 2xx answers per second. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

function get(agent: Agent, url: URL): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.setTimeout(10_000, () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function saturate(target: string, connections: number, seconds: number) {
  const url = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const warmUntil = performance.now() + 1000;
  const endAt = warmUntil + seconds * 1000;
  const latencies: number[] = [];
  const result = { ok: 0, non2xx: 0, errors: 0, warmup: 0 };
  const client = async () => {
    for (let t = performance.now(); t < endAt; t = performance.now()) {
      const status = await get(agent, url);
      if (t < warmUntil) {
        result.warmup++;
        continue;
      }
      latencies.push(performance.now() - t);
      if (status === 0) result.errors++;
      else if (status >= 200 && status < 300) result.ok++;
      else result.non2xx++;
    }
  };
  await Promise.all(Array.from({ length: connections }, client));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.ceil(p * latencies.length) - 1] ?? NaN;
  const out: SaturateResult = {
    url: target,
    connections,
    seconds,
    ...result,
    rps: result.ok / seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
  return out;
}

if (import.meta.main) {
  const [target = '', connections = '16', seconds = '10'] = process.argv.slice(2);
  const out = await saturate(target, Number(connections), Number(seconds));
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
