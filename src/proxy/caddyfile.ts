/**
 * The edge proxy's configuration as Caddyfile text (Caddy adapts it, and does ACME, redirects
 * and renewals itself). Pure: tests compare the text. One main file holds the global options and
 * imports every project's file of site blocks, so a deploy rewrites only its own project's file
 * and the proxy's one reload is atomic for all of them.
 */
import type { ProxySettings, TlsMode } from '../model/topology.ts';
import { PROXY_ADMIN, PROXY_DIR } from './names.ts';

/** One web service as the proxy routes it. */
export interface ProxyRoute {
  service: string;
  hosts: string[];
  tls: TlsMode;
  /** `container:port` of each release that takes traffic. */
  upstreams: string[];
}

/** Where certificate files given as secrets are put, relative to PROXY_DIR. */
export function certFiles(project: string, service: string): { cert: string; key: string } {
  const base = `files/${project}-${service}`;
  return { cert: `${base}.crt`, key: `${base}.key` };
}

/** The ACME CA's root, when the topology names one (relative to PROXY_DIR). */
export const ACME_ROOT_FILE = 'files/acme-ca-root.pem';

/** The main Caddyfile: global options, then every project's sites. */
export function mainCaddyfile(settings: ProxySettings): string {
  const { acme } = settings;
  const options = [
    `admin ${PROXY_ADMIN}`,
    ...(acme.email ? [`email ${acme.email}`] : []),
    ...(acme.ca ? [`acme_ca ${acme.ca}`] : []),
    ...(acme.caRoot ? [`acme_ca_root ${PROXY_DIR}/${ACME_ROOT_FILE}`] : []),
  ];
  return [
    '# Written by notesctl: global options; each project deployed here has its own file in sites/.',
    '{',
    ...options.map((o) => `\t${o}`),
    '}',
    '',
    `import ${PROXY_DIR}/sites/*.caddy`,
    '',
  ].join('\n');
}

/** A project's site blocks, one per web service. */
export function projectSites(project: string, routes: ProxyRoute[]): string {
  const blocks = [...routes]
    .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0))
    .map((route) => siteBlock(project, route));
  return [`# Written by notesctl for project ${project}.`, ...blocks].join('\n\n') + '\n';
}

function siteBlock(project: string, route: ProxyRoute): string {
  const plain = route.tls.kind === 'off';
  // No hostnames: every name the proxy is reached by (plain HTTP only; the config layer says so).
  const addresses =
    route.hosts.length === 0 ? ['http://'] : route.hosts.map((h) => (plain ? `http://${h}` : h));
  const lines = [`# ${project}/${route.service}`, `${addresses.join(', ')} {`];
  if (route.tls.kind === 'internal') lines.push('\ttls internal');
  if (route.tls.kind === 'files') {
    const files = certFiles(project, route.service);
    lines.push(`\ttls ${PROXY_DIR}/${files.cert} ${PROXY_DIR}/${files.key}`);
  }
  // HSTS only where HTTPS is served (Caddy redirects those names' plain HTTP to it).
  if (!plain) lines.push('\theader Strict-Transport-Security "max-age=31536000"');
  lines.push(
    `\treverse_proxy ${route.upstreams.join(' ')} {`,
    // No active health checks: a release takes traffic only after notesctl checked it through the
    // proxy, and one failed check of a lone upstream would turn every request away.
    // A request whose upstream refuses the connection is tried on another (or again) meanwhile.
    '\t\tlb_try_duration 5s',
    '\t\tlb_try_interval 100ms',
    // An idle connection to an upstream closes after 2 s: once traffic has moved, the old
    // release's connections end with its last request, and the drain (which counts them) ends
    // too, instead of waiting for an idle one (busy connections are reused long before). Setting
    // it drops Caddy's other keep-alive defaults, so its pool size (32 per upstream) is restated:
    // Go's default of 2 made most proxied requests open a new connection.
    '\t\ttransport http {',
    '\t\t\tkeepalive 2s',
    '\t\t\tkeepalive_idle_conns_per_host 32',
    '\t\t}',
    '\t}',
    '}',
  );
  return lines.join('\n');
}
