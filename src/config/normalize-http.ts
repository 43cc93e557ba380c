/**
 * The edge-proxy keys (issue 19) → the model: `services.NAME.http` → HttpRoute, the top-level
 * `proxy:` → ProxySettings, with every default stated here. Runs after the rules passed.
 */
import {
  DEFAULT_PROXY_IMAGE,
  type HttpRoute,
  type ProxySettings,
  type TlsMode,
} from '../model/topology.ts';
import { parseDuration } from './durations.ts';
import { defaultTls, hostEntries } from './hostnames.ts';
import { resolvePath } from './rules/context.ts';
import type { RawService, RawTopology } from './schema.ts';

/** Defaults of `services.NAME.http` and `replicas`. */
export const HTTP_DEFAULTS = {
  /**
   * `/`, not `/health`: every web app answers `/`, while a health route is a convention many
   * lack. An app whose `/` redirects (to a login page) sets `path:` to a route answering 2xx.
   */
  path: '/',
  /** Long enough for ordinary requests to finish; streams (SSE) reconnect to the new release. */
  drainTimeoutMs: 30_000,
  replicas: 1,
} as const;

/** Defaults of the top-level `proxy:`. */
export const PROXY_DEFAULTS = {
  image: DEFAULT_PROXY_IMAGE,
  ports: { http: 80, https: 443 },
} as const;

function tlsOf(tls: NonNullable<RawService['http']>['tls'], hosts: string[]): TlsMode {
  const mode = tls ?? defaultTls(hosts);
  return typeof mode === 'object'
    ? { kind: 'files', cert: mode.cert, key: mode.key }
    : { kind: mode };
}

/** The route of an `http:` service; undefined when the service has none. */
export function httpRouteOf(http: RawService['http']): HttpRoute | undefined {
  if (!http) return undefined;
  const hosts = [...new Set(hostEntries(http.hosts, []).map((e) => e.name))].sort();
  return {
    hosts,
    port: Number(http.port),
    path: http.path ?? HTTP_DEFAULTS.path,
    tls: tlsOf(http.tls, hosts),
    drainTimeoutMs:
      http.drain_timeout === undefined
        ? HTTP_DEFAULTS.drainTimeoutMs
        : parseDuration(http.drain_timeout),
  };
}

/** The proxy's settings, defaults filled in; `ca_root` made absolute (it is read when deploying). */
export function proxyOf(
  proxy: RawTopology['proxy'],
  directory: string,
  home: string,
): ProxySettings {
  const acme = proxy?.acme;
  return {
    image: proxy?.image ?? PROXY_DEFAULTS.image,
    httpPort: Number(proxy?.ports?.http ?? PROXY_DEFAULTS.ports.http),
    httpsPort: Number(proxy?.ports?.https ?? PROXY_DEFAULTS.ports.https),
    acme: {
      email: acme?.email,
      ca: acme?.ca,
      caRoot: acme?.ca_root === undefined ? undefined : resolvePath(directory, home, acme.ca_root),
    },
  };
}
