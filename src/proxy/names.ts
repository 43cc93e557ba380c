/**
 * The edge proxy's fixed names (issue 19): one proxy per host, shared by every project deployed
 * there, so none of these carry a project. Its files live in its config volume:
 *   /config/notesctl/Caddyfile          global options + `import sites/*.caddy`
 *   /config/notesctl/sites/P.caddy      project P's site blocks (written only by P's deploys)
 *   /config/notesctl/files/…            certificates given as secrets, the ACME CA's root
 */

/** The proxy in plans and events (it is no service of the topology). */
export const PROXY_SERVICE = 'edge-proxy';

/** The proxy container's name on every host. */
export const PROXY_CONTAINER = 'notesctl-edge-proxy';

/** Label marking the proxy container (its value: the proxy's kind). */
export const PROXY_LABEL = 'io.notesctl.proxy';

/** Volumes of the proxy: certificates and ACME account (data), its configuration (config). */
export const PROXY_VOLUMES = {
  data: 'notesctl-edge-proxy-data',
  config: 'notesctl-edge-proxy-config',
};

/** Where notesctl keeps the proxy's configuration inside the container. */
export const PROXY_DIR = '/config/notesctl';

/** Where Caddy keeps its certificates (XDG_DATA_HOME=/data, the data volume), by issuer. */
export const PROXY_CERTIFICATES = '/data/caddy/certificates';

/** The admin endpoint, inside the container only: never published. */
export const PROXY_ADMIN = 'localhost:2019';

/** The project's file of site blocks, relative to PROXY_DIR. */
export function sitesFile(project: string): string {
  return `sites/${project}.caddy`;
}
