/**
 * The shape of notesctl.config.yaml as one zod schema: the single source of both validation
 * and the published JSON Schema (schema/notesctl.schema.json, `node scripts/gen-schema.ts`).
 * Only structure and formats live here; cross-references, ranges and file checks are rules
 * (src/config/rules), run on the typed result.
 */
import { z } from 'zod';
import {
  ENV_NAME,
  IMAGE_REF,
  PORT_SPEC,
  PROJECT_NAME,
  RESTART,
  SSH_TARGET,
  VOLUME_SPEC,
  describeValue,
  duration,
  expected,
  integer,
  mapping,
  nameKey,
  nameRef,
  pattern,
  portNumber,
  scalar,
  strict,
  text,
} from './schema-parts.ts';
import { httpSchema, proxySchema, replicasSchema } from './schema-http.ts';
import { nodeSchema } from './schema-node.ts';
import { suggest } from './suggest.ts';
import { RUNTIMES } from '../model/topology.ts';

const envName = pattern(ENV_NAME, 'an environment variable name (letters, digits, "_")');
const absolutePath = pattern(/^\//, 'an absolute path');
const command = z.union([z.string(), z.array(z.string({ error: expected('a string') }))], {
  error: expected('a command string or a list of strings'),
});

const volumeMount = z.string({ error: expected('"VOLUME:/path"') }).regex(VOLUME_SPEC, {
  error: (issue) => {
    const input = String(issue.input);
    if (/^[/.~]/.test(input)) {
      return `host paths are not supported (remote engines cannot see this machine's files), got ${describeValue(input)} — declare a named volume under volumes: and use "NAME:/path"`;
    }
    return expected('"VOLUME:/absolute/path" or "VOLUME:/absolute/path:ro"')(issue);
  },
});

const conditionError = (issue: { input?: unknown }): string => {
  const hint =
    typeof issue.input === 'string' && issue.input.startsWith('service_')
      ? ` (compose's "${issue.input}" is "${issue.input.slice(8)}" here)`
      : '';
  return `${expected('"started", "healthy" or "completed"')(issue)}${hint}`;
};
const condition = z.enum(['started', 'healthy', 'completed'], { error: conditionError });

/**
 * `runtime:` of a host (issue 18 §3). Only docker exists yet; the runtimes the next releases add
 * are named as such, so that "swarm" reads as "not yet" rather than as a mistake.
 */
const LATER_RUNTIMES = ['swarm'];
const runtimeError = (issue: { input?: unknown }): string => {
  const input = typeof issue.input === 'string' ? issue.input : '';
  const close = suggest(input, RUNTIMES);
  const later = LATER_RUNTIMES.includes(input)
    ? ` — ${LATER_RUNTIMES.map((r) => `"${r}"`).join(' and ')} come with later releases`
    : '';
  const swarm =
    input === 'swarm'
      ? ' — a Swarm cluster is declared under clusters: (managers, workers), and services name it in host:'
      : undefined;
  const hint = swarm ?? (close === undefined ? later : ` — did you mean "${close}"?`);
  return `${expected(RUNTIMES.map((r) => `"${r}"`).join(' or '))(issue)}${hint}`;
};
const runtime = z.enum(RUNTIMES, { error: runtimeError });

const build = z.union(
  [
    text('a build context folder'),
    strict(
      {
        context: text('a build context folder').describe('Folder sent to the builder'),
        dockerfile: text('a Dockerfile path').optional().describe('Relative to the context'),
        args: mapping(z.string(), scalar, 'a mapping of build arguments').optional(),
        target: text('a build stage name').optional(),
      },
      'a folder or a mapping with context, dockerfile, args, target',
    ),
  ],
  { error: expected('a folder or a mapping with context, dockerfile, args, target') },
);

const secretMount = strict({
  source: nameRef('secret'),
  target: absolutePath.optional().describe('Default /run/secrets/<source>'),
  env: envName.optional().describe('Variable that receives the file path'),
});

const serviceSecrets = z.union(
  [
    z.record(envName, nameRef('secret')),
    z.array(
      z.union([nameRef('secret'), secretMount], {
        error: expected('a secret name or a mapping with source, target, env'),
      }),
    ),
  ],
  { error: expected('a mapping VAR: secret or a list of secrets') },
);

const dependsOn = z.union(
  [
    z.array(nameRef('service')),
    z.record(
      nameKey('service'),
      z.union([condition, strict({ condition })], { error: conditionError }),
    ),
  ],
  { error: expected('a list of services or a mapping service: condition') },
);

const healthcheck = strict({
  test: command.describe('["CMD", ...], ["CMD-SHELL", "..."], "shell command" or ["NONE"]'),
  interval: duration.optional().describe('Default 30s'),
  timeout: duration.optional().describe('Default 30s'),
  retries: integer(0, 1000, 'a number of retries').optional().describe('Default 3'),
  start_period: duration.optional().describe('Default 0s'),
});

/** One service: a container run from an image or a build. */
export const serviceSchema = strict({
  image: pattern(IMAGE_REF, 'an image reference like "mariadb:10.11"').optional(),
  build: build.optional().describe('Build context folder (with a Dockerfile), or its options'),
  env: mapping(
    pattern(/^[^=\0]+$/, 'a variable name without "="'),
    scalar,
    'a mapping of variables',
  )
    .optional()
    .describe('Environment variables; values are strings, numbers or booleans'),
  secrets: serviceSecrets.optional().describe('VAR: secret → file + VAR_FILE, or a list'),
  networks: z.array(nameRef('network'), { error: expected('a list of networks') }).optional(),
  volumes: z.array(volumeMount, { error: expected('a list of "VOLUME:/path"') }).optional(),
  ports: z
    .array(pattern(PORT_SPEC, '"HOST:CONTAINER"'), {
      error: expected('a list of "HOST:CONTAINER"'),
    })
    .optional()
    .describe('Published ports: "HOST:CONTAINER[/udp]" or "IP:HOST:CONTAINER"'),
  expose: z.array(portNumber, { error: expected('a list of port numbers') }).optional(),
  depends_on: dependsOn.optional(),
  healthcheck: healthcheck.optional(),
  restart: pattern(RESTART, '"no", "always", "unless-stopped" or "on-failure[:N]"').optional(),
  stop_grace_period: duration.optional().describe('Default 10s'),
  command: command.optional(),
  entrypoint: command.optional(),
  user: z
    .union([text(), integer(0, 2 ** 31 - 1, 'a user name, "uid:gid" or a uid')], {
      error: expected('a user name or "uid:gid"'),
    })
    .optional(),
  host: nameRef('host')
    .optional()
    .describe('Placement: "local", a name under hosts: or a name under clusters:'),
  http: httpSchema
    .optional()
    .describe("Served through the host's edge proxy (instead of ports:): hosts, port, path, tls"),
  replicas: replicasSchema.optional(),
});

const host = strict({
  ssh: pattern(SSH_TARGET, '"user@host" or "user@host:port"').describe('user@host[:port]'),
  identity: text('a key file path').optional().describe('Private key; ~ is your home folder'),
  socket: absolutePath.optional().describe('Remote Docker socket, default /run/docker.sock'),
  runtime: runtime
    .optional()
    .describe(
      'How the host runs its services: "docker" (the default), "systemd" or "pm2" (a plain server)',
    ),
  firewall: z
    .boolean({ error: expected('true or false') })
    .optional()
    .describe(
      'runtime systemd/pm2: an nftables firewall that admits only SSH and the published ports',
    ),
  node: nodeSchema
    .optional()
    .describe('runtime systemd/pm2: where Node.js comes from (source, mirror, file, version)'),
});

const network = strict({
  internal: z.boolean({ error: expected('true or false') }).optional(),
  encrypted: z
    .boolean({ error: expected('true or false') })
    .optional()
    .describe('On a cluster: IPsec between nodes (default true); ignored on one host'),
}).nullable();

const hostList = z.array(nameRef('host'), { error: expected('a list of host names') });

/** A Swarm cluster (issue 20): its members are hosts from hosts: or the host store. */
const cluster = strict(
  {
    managers: hostList.describe('Manager hosts; the first initialises the swarm'),
    workers: hostList.optional().describe('Worker hosts'),
    edge: hostList
      .optional()
      .describe('Nodes that run the edge proxy for http: services (default every node)'),
  },
  'a mapping with managers, workers, edge',
);

const secret = strict(
  {
    generate: z.literal(true, { error: expected('true') }).optional(),
    length: integer(16, 256, 'a length of 16-256 bytes').optional(),
    file: text('a file path').optional().describe('Relative to the topology folder'),
    env: envName.optional().describe('Read from this environment variable at deploy time'),
    value: z
      .never({
        error:
          'secret values are never written in the topology — use generate: true, file: PATH or env: VARIABLE',
      })
      .optional(),
  },
  'a mapping with generate: true, file: PATH or env: VARIABLE (never the value itself)',
);

/** The whole topology file. */
export const topologySchema = strict(
  {
    project: pattern(
      PROJECT_NAME,
      'a project name of lower-case letters, digits, "_" and "-"',
    ).describe('Project name: prefixes every resource and labels it'),
    host: nameRef('host').optional().describe('Default placement for services (default local)'),
    hosts: mapping(nameKey('host'), host, 'a mapping of host names to hosts').nullable().optional(),
    clusters: mapping(nameKey('cluster'), cluster, 'a mapping of cluster names to clusters')
      .nullable()
      .optional()
      .describe('Docker Swarm clusters of hosts; a service placed on one runs as Swarm services'),
    proxy: proxySchema
      .optional()
      .describe('The edge proxy run on each host with http: services: image, ports, acme'),
    releases: strict(
      {
        keep: integer(1, 100, 'a number of releases 1-100').describe(
          'Built images kept per service for rollback; default 5',
        ),
      },
      'a mapping with keep',
    )
      .optional()
      .describe('The release history kept on each host for `notesctl rollback`'),
    networks: mapping(nameKey('network'), network, 'a mapping of network names')
      .nullable()
      .optional(),
    volumes: mapping(nameKey('volume'), strict({}).nullable(), 'a mapping of volume names')
      .nullable()
      .optional(),
    secrets: mapping(nameKey('secret'), secret, 'a mapping of secret names to sources')
      .nullable()
      .optional(),
    services: z
      .record(nameKey('service'), serviceSchema, {
        error: expected('a mapping of service names to services'),
      })
      .describe('The containers to run, by name'),
  },
  'a mapping with project: and services:',
);

/** The validated (not yet normalised) topology. */
export type RawTopology = z.output<typeof topologySchema>;
/** One validated (not yet normalised) service. */
export type RawService = z.output<typeof serviceSchema>;
