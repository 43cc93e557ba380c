/**
 * The shape of the edge-proxy keys (issue 19): `services.NAME.http`, `services.NAME.replicas`
 * and the top-level `proxy:`. Formats only; who may claim a hostname, which TLS can work and
 * which ports clash are rules (src/config/rules/http.ts, proxy.ts).
 */
import { z } from 'zod';
import { HOSTNAME, MAX_HOSTNAME_LENGTH, hostnameError } from './hostnames.ts';
import {
  IMAGE_REF,
  describeValue,
  duration,
  expected,
  integer,
  nameRef,
  pattern,
  portNumber,
  strict,
  text,
} from './schema-parts.ts';
import { suggest } from './suggest.ts';

/** The `tls:` words; `{ cert, key }` is the fourth form. */
export const TLS_WORDS = ['auto', 'internal', 'off'] as const;

/** Most containers one service may run at once. */
export const MAX_REPLICAS = 100;

const hostname = z
  .string({ error: hostnameError })
  .max(MAX_HOSTNAME_LENGTH, { error: hostnameError })
  .regex(HOSTNAME, { error: hostnameError });

const hosts = z.union(
  [hostname, z.array(hostname, { error: expected('a hostname or a list of hostnames') })],
  { error: expected('a hostname or a list of hostnames') },
);

const pathError = (issue: { input?: unknown }): string => {
  const { input } = issue;
  if (typeof input === 'string' && input !== '' && !input.startsWith('/') && !/\s/.test(input)) {
    return `expected a path starting with "/", got ${describeValue(input)} — write "/${input}"`;
  }
  return expected('a path like "/health" (starting with "/", no spaces)')(issue);
};
const healthPath = z.string({ error: pathError }).regex(/^\/\S*$/, { error: pathError });

const tlsError = (issue: { input?: unknown }): string => {
  const { input } = issue;
  const base = expected(`${TLS_WORDS.map((w) => `"${w}"`).join(', ')} or { cert, key }`)(issue);
  if (typeof input === 'string') {
    const close = suggest(input, TLS_WORDS);
    return close === undefined ? base : `${base} — did you mean "${close}"?`;
  }
  // YAML 1.2 reads `off` as a string, but `false`/`true` are booleans.
  if (typeof input === 'boolean') return `${base} — write ${input ? 'auto' : 'off'}`;
  return base;
};
const tls = z.union(
  [
    z.enum(TLS_WORDS, { error: tlsError }),
    strict(
      {
        cert: nameRef('secret').describe('Secret holding the PEM certificate (chain)'),
        key: nameRef('secret').describe('Secret holding the PEM private key'),
      },
      'a mapping with cert and key (secret names)',
    ),
  ],
  { error: tlsError },
);

/** `services.NAME.http`: served through the host's edge proxy instead of `ports:`. */
export const httpSchema = strict(
  {
    hosts: hosts
      .optional()
      .describe('Hostnames routed to the service (a string or a list); none = every hostname'),
    port: portNumber.describe('The port the service listens on inside its container'),
    path: healthPath
      .optional()
      .describe('Checked (GET, 2xx) before a release takes traffic; default "/"'),
    tls: tls
      .optional()
      .describe(
        'auto | internal | off | { cert, key }; default auto when a hostname is public, else off',
      ),
    drain_timeout: duration
      .optional()
      .describe('How long an old release may finish its requests; default 30s'),
  },
  'a mapping with port, hosts, path, tls, drain_timeout',
);

/** `services.NAME.replicas`. */
export const replicasSchema = integer(
  1,
  MAX_REPLICAS,
  `a number of replicas 1-${MAX_REPLICAS}`,
).describe('Containers run at once; default 1 (more only with http:)');

/** An email address as ACME accounts take it: something@domain.tld, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;
/** An https:// URL with a host. */
const HTTPS_URL = /^https:\/\/[^\s/?#]+(?:[/?#]\S*)?$/;

const caError = (issue: { input?: unknown }): string => {
  const base = expected('the https:// URL of an ACME directory')(issue);
  return typeof issue.input === 'string' && /^http:\/\//i.test(issue.input)
    ? `${base} — ACME directories are served over HTTPS`
    : base;
};

const acme = strict(
  {
    email: pattern(EMAIL, 'an email address like "ops@example.com"')
      .optional()
      .describe("Contact address for the CA's expiry notices"),
    ca: z
      .string({ error: caError })
      .regex(HTTPS_URL, { error: caError })
      .optional()
      .describe("ACME directory URL; default Let's Encrypt"),
    ca_root: text('a PEM file path')
      .optional()
      .describe('Root certificate (PEM) to trust for ca:, relative to the topology folder'),
  },
  'a mapping with email, ca, ca_root',
);

/** The top-level `proxy:`: the edge proxy run on each host that has `http:` services. */
export const proxySchema = strict(
  {
    image: pattern(IMAGE_REF, 'an image reference like "caddy:2"')
      .optional()
      .describe('Default caddy:2'),
    ports: strict(
      {
        http: portNumber.optional().describe('Default 80'),
        https: portNumber.optional().describe('Default 443'),
      },
      'a mapping with http and https',
    )
      .optional()
      .describe('Host ports the proxy publishes'),
    acme: acme.optional().describe('Certificates for tls: auto'),
  },
  'a mapping with image, ports, acme',
).nullable();
