/**
 * The wait for `tls: auto` certificates after the edge proxy loaded new routes (issue 19): asks
 * the proxy, through exec, which hostnames have a certificate file, and reads its log for what
 * the CA said about the others. Ends at once when Caddy has given up an attempt (its next one is
 * a minute or more away), else at the deadline.
 */
import type { Engine } from '../engine/engine.ts';
import { RuntimeError } from '../errors.ts';
import {
  certificateCheckScript,
  certificateProblem,
  issuerFolder,
  type CertificateProblem,
} from '../proxy/certificates.ts';
import { PROXY_CONTAINER } from '../proxy/names.ts';
import { runInProxy } from './proxy-ops.ts';
import { sleep } from './sleep.ts';

/** What the wait needs from its plan operation. */
export interface CertificateWait {
  hosts: string[];
  ca: string | undefined;
  timeoutMs: number;
}

/** Resolve once every hostname has a certificate; throw naming those without one. */
export async function waitForCertificates(
  engine: Engine,
  proxyId: string,
  wait: CertificateWait,
  signal: AbortSignal,
  onProgress: (text: string) => void,
): Promise<void> {
  const deadline = Date.now() + wait.timeoutMs;
  const script = certificateCheckScript(wait.hosts, issuerFolder(wait.ca));
  for (;;) {
    const result = await runInProxy(engine, proxyId, ['sh', '-c', script]);
    const have = new Set(result.stdout.split('\n').map((line) => line.trim()));
    const missing = wait.hosts.filter((host) => !have.has(host));
    if (missing.length === 0) return;
    const log = await tailLog(engine, proxyId, signal);
    const problems = missing.map((host) => ({ host, problem: certificateProblem(log, host) }));
    // A retry after our deadline: Caddy will not try again while we wait.
    const givenUp = problems.some(
      ({ problem }) =>
        problem?.retryInS !== undefined && Date.now() + problem.retryInS * 1000 > deadline,
    );
    if (givenUp || Date.now() > deadline)
      throw certificateError(engine, wait, problems, Date.now() - deadline + wait.timeoutMs);
    onProgress(`no certificate yet for ${missing.join(', ')}`);
    await sleep(250, signal);
  }
}

/** The proxy's last log lines (Caddy logs JSON lines to stderr). */
async function tailLog(engine: Engine, proxyId: string, signal: AbortSignal): Promise<string[]> {
  const lines: string[] = [];
  const options = { follow: false, tail: 2000, since: undefined, timestamps: false, signal };
  for await (const line of engine.logs(proxyId, options)) lines.push(line.text);
  return lines;
}

function certificateError(
  engine: Engine,
  wait: CertificateWait,
  problems: { host: string; problem: CertificateProblem | undefined }[],
  waitedMs: number,
): RuntimeError {
  const ca = wait.ca ?? "Let's Encrypt";
  const seconds = Math.round(waitedMs / 1000);
  const lines = problems.map(({ host, problem }) =>
    problem
      ? `  ${host}: ${problem.message}${problem.retryInS === undefined ? '' : ` (the proxy tries again in ${problem.retryInS} s)`}`
      : `  ${host}: none yet after ${seconds} s, and the proxy logged no error about it`,
  );
  const names = problems.map((p) => p.host).join(', ');
  return new RuntimeError(
    `the edge proxy on ${engine.hostName} has no HTTPS certificate for ${names} from ${ca}:\n${lines.join('\n')}`,
    {
      hint: `The deploy itself is done and the routes are live, but HTTPS fails for these names until the proxy gets a certificate; it keeps trying by itself. Check that each name resolves to the host ${engine.hostName} and that its ports 80 and 443 reach the proxy (the CA connects to them for its challenges), or act on the CA's message above. \`docker logs ${PROXY_CONTAINER}\` there shows the proxy's attempts; the next \`notesctl up\` that changes the routes checks again.`,
    },
  );
}
