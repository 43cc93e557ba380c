/**
 * Rules for the edge proxy itself (top-level `proxy:`, issue 19): its two ports, which no
 * service beside it may publish, its ACME settings, and the network name it reserves.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { EDGE_NETWORK, LOCAL_HOST } from '../../model/topology.ts';
import { PROXY_DEFAULTS } from '../normalize-http.ts';
import { isPort, parsePort } from '../ports.ts';
import { type Rule, hostOf, resolvePath, servicesOf } from './context.ts';

type PortKey = 'http' | 'https';

/**
 * `proxy.ports.http` and `.https` are ports in range and differ, and no service on a host the
 * proxy runs on (one with http: services) publishes either of them over TCP.
 */
export const checkProxyPorts: Rule = (context) => {
  const { raw, problems } = context;
  const given = raw.proxy?.ports ?? {};
  const ports = new Map<PortKey, number>();
  for (const key of ['http', 'https'] as const) {
    const value = given[key];
    const port = Number(value ?? PROXY_DEFAULTS.ports[key]);
    if (isPort(port)) ports.set(key, port);
    else {
      problems.report(
        ['proxy', 'ports', key],
        `expected a port number 1-65535, got ${JSON.stringify(value)}`,
      );
    }
  }
  const described = (key: PortKey): string =>
    `proxy.ports.${key}${given[key] === undefined ? ' (its default)' : ''}`;
  const http = ports.get('http');
  if (http !== undefined && http === ports.get('https')) {
    const at: PortKey = given.https !== undefined ? 'https' : 'http';
    const other: PortKey = at === 'https' ? 'http' : 'https';
    problems.report(
      ['proxy', 'ports', at],
      `${http} is also ${described(other)} — HTTP and HTTPS need a port each`,
    );
  }
  const proxyHosts = new Set(
    servicesOf(context)
      .filter(([, service]) => service.http)
      .map(([, service]) => hostOf(context, service)),
  );
  for (const [name, service] of servicesOf(context)) {
    const host = hostOf(context, service);
    if (service.http || !proxyHosts.has(host)) continue;
    service.ports?.forEach((spec, i) => {
      const parsed = parsePort(spec);
      if ('error' in parsed || parsed.port.protocol !== 'tcp') return;
      const key = [...ports].find(([, port]) => port === parsed.port.hostPort)?.[0];
      if (key === undefined) return;
      const where = host === LOCAL_HOST ? '' : ` on host "${host}"`;
      const setting = `proxy.ports.${key}${given[key] === undefined ? `, default ${PROXY_DEFAULTS.ports[key]}` : ''}`;
      problems.report(
        ['services', name, 'ports', i],
        `host port ${parsed.port.hostPort}/tcp${where} is published by the edge proxy (${setting}), which runs beside the http: services — use another host port or set proxy.ports.${key}`,
      );
    });
  }
};

/** `ca_root` goes with `ca`, and is a readable file (relative to the topology folder). */
export const checkAcme: Rule = ({ raw, directory, home, problems }) => {
  const acme = raw.proxy?.acme;
  if (acme?.ca_root === undefined) return;
  const at = ['proxy', 'acme', 'ca_root'];
  // Presence, not validity: an invalid `ca:` is reported by the schema already.
  if (!problems.locator.has(['proxy', 'acme', 'ca'])) {
    problems.report(
      at,
      "ca_root is the root to trust for your own ACME server, so it needs ca: — Let's Encrypt needs none; set ca or remove ca_root",
      'key',
    );
  }
  const path = resolvePath(directory, home, acme.ca_root);
  const shown = JSON.stringify(acme.ca_root);
  try {
    if (!statSync(path).isFile()) {
      problems.report(at, `CA root ${shown} is not a file (looked at ${path})`);
      return;
    }
    accessSync(path, constants.R_OK);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    const what = missing ? 'not found' : 'cannot be read';
    problems.report(at, `CA root ${shown} ${what} (looked for ${path})`);
  }
};

/** `networks.edge` would collide with the network notesctl makes for the proxy. */
export const rejectEdgeNetwork: Rule = ({ declared, problems }) => {
  if (!declared.networks.includes(EDGE_NETWORK)) return;
  problems.report(
    ['networks', EDGE_NETWORK],
    `"${EDGE_NETWORK}" is reserved: notesctl puts the edge proxy and the http: services on a network of that name — rename this one (e.g. "public") here and in the services' networks:`,
    'key',
  );
};
