/**
 * What the Docker target's `up` reads for the edge proxy (issue 19) before planning: which
 * proxy files to look at, the ACME CA's root from the operator's disk, the secrets behind
 * certificates, and the proxy's files as the planner compares them (text, or a secret's HMAC).
 */
import { readFile } from 'node:fs/promises';
import { RuntimeError } from '../../errors.ts';
import { EDGE_NETWORK, type Topology } from '../../model/topology.ts';
import { desiredProxy, webServicesOn } from '../../plan/desired-proxy.ts';
import { secretsDigest } from '../../plan/hash.ts';
import type { ObservedState } from '../../plan/types.ts';
import { sitesFile } from '../../proxy/names.ts';

/** The secrets that certificates of `host`'s web services come from. */
export function proxySecretNames(topology: Topology, host: string): string[] {
  return webServicesOn(topology, host).flatMap((s) =>
    s.http?.tls.kind === 'files' ? [s.http.tls.cert, s.http.tls.key] : [],
  );
}

/** The proxy's desired files without their contents: which paths, from which sources. */
function proxyShape(topology: Topology, host: string) {
  return desiredProxy(topology, host, {
    imageId: '',
    acmeRoot: topology.proxy.acme.caRoot === undefined ? undefined : '',
    secretDigest: () => '',
  });
}

/** Paths of the proxy files this project writes on `host`; undefined without web services. */
export function proxyPaths(topology: Topology, host: string): string[] | undefined {
  const shape = proxyShape(topology, host);
  return shape && [...shape.files.map((f) => f.path), sitesFile(topology.project)];
}

/** The ACME CA's root the topology names, as text. */
export async function readAcmeRoot(topology: Topology): Promise<string | undefined> {
  const path = topology.proxy.acme.caRoot;
  if (path === undefined) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new RuntimeError(`proxy.acme.ca_root: cannot read ${path}: ${(error as Error).message}`, {
      hint: `Put the CA's root certificate (PEM) there, or remove ca_root from ${topology.file}.`,
    });
  }
}

/** One secret's HMAC under the store's key: what the planner compares, never the value. */
export function secretDigestOf(key: Buffer, name: string, value: Buffer): string {
  return secretsDigest(key, [{ name, value }]);
}

/**
 * The observed proxy files as the planner compares them: a file that holds a secret is
 * replaced by its HMAC, so no secret's value is held in the observed state.
 */
export function digestObservedSecrets(
  observed: ObservedState,
  topology: Topology,
  host: string,
  key: Buffer,
): void {
  const files = observed.proxy?.files;
  if (!files) return;
  // Each file once: with two services' certificates, a per-service pass digested a digest.
  for (const { path, source } of proxyShape(topology, host)?.files ?? []) {
    const content = files[path];
    if (content === undefined || !('secret' in source)) continue;
    files[path] = secretDigestOf(key, source.secret, Buffer.from(content));
  }
}

/**
 * One proxy serves every project on a host: a topology asking it for other ports would move
 * the other projects' sites. Refuse that, naming what the proxy publishes and for whom.
 */
export function checkProxyPorts(observed: ObservedState, topology: Topology, host: string): void {
  const proxy = observed.proxy?.container;
  if (!proxy) return;
  const own = `${topology.project}_${EDGE_NETWORK}`;
  const others = proxy.networks.filter((n) => n !== own && n.endsWith(`_${EDGE_NETWORK}`));
  if (others.length === 0) return;
  const published = (port: number) => proxy.ports.find((p) => p.containerPort === port)?.hostPort;
  const [http, https] = [published(80), published(443)];
  const wanted = topology.proxy;
  if (http === wanted.httpPort && https === wanted.httpsPort) return;
  throw new RuntimeError(
    `the edge proxy on ${host} publishes ${http ?? '-'}/${https ?? '-'} (HTTP/HTTPS) for other projects (${others.map((n) => n.slice(0, -EDGE_NETWORK.length - 1)).join(', ')}); ${topology.file} asks for ${wanted.httpPort}/${wanted.httpsPort}`,
    {
      hint: `A host has one edge proxy: set proxy.ports: { http: ${http ?? 80}, https: ${https ?? 443} } in ${topology.file}, or move those projects first.`,
    },
  );
}
