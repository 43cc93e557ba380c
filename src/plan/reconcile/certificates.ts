/**
 * After the edge proxy loads new routes, the wait for the certificates of `tls: auto` hostnames
 * (issue 19). Caddy asks the CA in the background, so without this wait `up` would report
 * success while HTTPS fails; with it, a CA error or rate limit fails `up` naming the hostname
 * and the CA's message. It follows every other operation: the deploy itself is complete whether
 * or not a certificate comes, and a failed wait must not keep anything else from running.
 */
import { PROXY_SERVICE } from '../../proxy/names.ts';
import { addOperation, type Reconciliation } from './context.ts';

/** How long `up` waits for certificates (Let's Encrypt issues in seconds; retries take 60 s+). */
export const CERTIFICATE_TIMEOUT_MS = 30_000;

/** Plan the wait; nothing unless the proxy loads new files and serves a `tls: auto` hostname. */
export function planCertificates(r: Reconciliation): void {
  const proxy = r.desired.proxy;
  if (!proxy) return;
  const hosts = proxy.routes
    .filter((route) => route.tls.kind === 'auto')
    .flatMap((route) => route.hosts)
    // A wildcard needs a DNS challenge, which the proxy does not do (docs/topology.md).
    .filter((host) => !host.startsWith('*.'));
  const loads = r.operations.flatMap((op) =>
    op.operation.kind === 'proxy-config' ? [op.operation] : [],
  );
  if (hosts.length === 0 || loads.length === 0) return;
  addOperation(r, {
    id: `certificates:${PROXY_SERVICE}`,
    operation: {
      kind: 'proxy-certificates',
      hosts: [...new Set(hosts)].sort(),
      ca: proxy.acmeCa,
      // Undefined when this plan creates the proxy: the executor knows the new container's id.
      proxyId: loads.find((load) => load.proxyId !== undefined)?.proxyId,
      timeoutMs: CERTIFICATE_TIMEOUT_MS,
    },
    after: lastOperations(r),
    cause: 'tls: auto — the proxy asks the CA once it has loaded the routes',
  });
}

/** The operations no other one follows: once they are done, the whole plan is. */
function lastOperations(r: Reconciliation): string[] {
  const followed = new Set(r.operations.flatMap((op) => [...op.after, ...(op.afterExit ?? [])]));
  return r.operations.map((op) => op.id).filter((id) => !followed.has(id));
}
