/**
 * Broken topologies and the exact problem lines users see (`line:col path: message`, the file
 * prefix stripped). Several cases have more than one problem: all are reported together.
 */
import { describe, expect, it } from 'vitest';
import { problemsOf, yaml } from './helpers.ts';

interface Case {
  name: string;
  text: string;
  problems: string[];
  env?: Record<string, string>;
  overrideHost?: string;
}

const HEAD = ['project: t', 'services:'];

const CASES: Case[] = [
  {
    name: 'missing project',
    text: yaml('services:', '  a: { image: nginx:1 }'),
    problems: ['1:1 project: missing required key "project"'],
  },
  {
    name: 'invalid project name',
    text: yaml('project: Notes App', 'services:', '  a: { image: nginx:1 }'),
    problems: [
      '1:10 project: expected a project name of lower-case letters, digits, "_" and "-", got "Notes App"',
    ],
  },
  {
    name: 'unknown top-level key with a typo',
    text: yaml(...HEAD, '  a: { image: nginx:1, networks: [n] }', 'netwroks:', '  n: {}'),
    problems: [
      '3:35 services.a.networks[0]: unknown network "n" — declare it under networks:',
      '4:1 netwroks: unknown key "netwroks" — did you mean "networks"?',
    ],
  },
  {
    name: 'no services',
    text: yaml('project: t', 'services: {}'),
    problems: ['2:11 services: expected at least one service'],
  },
  {
    name: 'services is a list',
    text: yaml('project: t', 'services:', '  - a'),
    problems: ['3:3 services: expected a mapping of service names to services, got a list'],
  },
  {
    name: 'service with neither image nor build',
    text: yaml(...HEAD, '  a:', '    env: { A: 1 }'),
    problems: [
      '3:3 services.a: missing "image" or "build" — say which image to run or which folder to build',
    ],
  },
  {
    name: 'image and build both',
    text: yaml(...HEAD, '  a:', '    image: nginx:1', '    build: apps/web'),
    problems: [
      '5:5 services.a.build: use either image: or build:, not both — build: makes the image',
    ],
  },
  {
    name: 'invalid image reference',
    text: yaml(...HEAD, '  a: { image: "Nginx:latest" }'),
    problems: [
      '3:15 services.a.image: expected an image reference like "mariadb:10.11", got "Nginx:latest"',
    ],
  },
  {
    name: 'shell and path injection in names',
    text: yaml(
      ...HEAD,
      '  a;b: { image: nginx:1 }',
      '  ../x: { image: nginx:1 }',
      '  $(x): { image: nginx:1 }',
      '  "my app": { image: nginx:1 }',
    ),
    problems: [
      '3:3 services["a;b"]: invalid service name "a;b": use letters, digits, "_", "." and "-", starting with a letter or digit, at most 63',
      '4:3 services["../x"]: invalid service name "../x": use letters, digits, "_", "." and "-", starting with a letter or digit, at most 63',
      '5:3 services["$(x)"]: invalid service name "$(x)": use letters, digits, "_", "." and "-", starting with a letter or digit, at most 63',
      '6:3 services["my app"]: invalid service name "my app": use letters, digits, "_", "." and "-", starting with a letter or digit, at most 63',
    ],
  },
  {
    name: 'unknown service key with a typo',
    text: yaml(...HEAD, '  a:', '    imgae: nginx:1'),
    problems: [
      '3:3 services.a: missing "image" or "build" — say which image to run or which folder to build',
      '4:5 services.a.imgae: unknown key "imgae" — did you mean "image"?',
    ],
  },
  {
    name: 'port without a host part, as string and as number',
    text: yaml(...HEAD, '  a:', '    image: nginx:1', '    ports: ["3000", 3001]'),
    problems: [
      '5:13 services.a.ports[0]: expected "HOST:CONTAINER", got "3000"',
      '5:21 services.a.ports[1]: expected "HOST:CONTAINER", got 3001',
    ],
  },
  {
    name: 'ports out of range and a bad IP',
    text: yaml(
      ...HEAD,
      '  a:',
      '    image: nginx:1',
      '    ports:',
      '      - "70000:80"',
      '      - "8080:0"',
      '      - "300.1.1.1:81:80"',
    ),
    problems: [
      '6:9 services.a.ports[0]: host port 70000 is out of range (1-65535)',
      '7:9 services.a.ports[1]: container port 0 is out of range (1-65535)',
      '8:9 services.a.ports[2]: invalid IP address "300.1.1.1" in "300.1.1.1:81:80"',
    ],
  },
  {
    name: 'the same host port published twice (two services, and one service twice)',
    text: yaml(
      ...HEAD,
      '  a: { image: nginx:1, ports: ["8080:80", "127.0.0.1:8080:81", "8080:82/udp"] }',
      '  b: { image: nginx:1, ports: ["8080:80"] }',
    ),
    problems: [
      '3:43 services.a.ports[1]: host port 8080/tcp is already published by services.a.ports[0]',
      '4:32 services.b.ports[0]: host port 8080/tcp is already published by services.a.ports[0]',
    ],
  },
  {
    name: 'unknown network, volume and secret references',
    text: yaml(
      'project: t',
      'networks: { frontnet: {} }',
      'volumes: { data: null }',
      'secrets: { db_password: { generate: true } }',
      'services:',
      '  a:',
      '    image: nginx:1',
      '    networks: [frontent]',
      '    volumes: ["dat:/data"]',
      '    secrets: { PASSWORD: db_pasword }',
    ),
    problems: [
      '8:16 services.a.networks[0]: unknown network "frontent" — did you mean "frontnet"?',
      '9:15 services.a.volumes[0]: unknown volume "dat" — did you mean "data"?',
      '10:26 services.a.secrets.PASSWORD: unknown secret "db_pasword" — did you mean "db_password"?',
    ],
  },
  {
    name: 'host-path volumes',
    text: yaml(
      ...HEAD,
      '  a:',
      '    image: nginx:1',
      '    volumes: ["./data:/data", "/srv:/srv:ro"]',
    ),
    problems: [
      `5:15 services.a.volumes[0]: host paths are not supported (remote engines cannot see this machine's files), got "./data:/data" — declare a named volume under volumes: and use "NAME:/path"`,
      `5:31 services.a.volumes[1]: host paths are not supported (remote engines cannot see this machine's files), got "/srv:/srv:ro" — declare a named volume under volumes: and use "NAME:/path"`,
    ],
  },
  {
    name: 'volume with a relative target',
    text: yaml(
      'project: t',
      'volumes: { data: {} }',
      'services:',
      '  a: { image: nginx:1, volumes: ["data:var/lib"] }',
    ),
    problems: [
      '4:34 services.a.volumes[0]: expected "VOLUME:/absolute/path" or "VOLUME:/absolute/path:ro", got "data:var/lib"',
    ],
  },
  {
    name: 'secret mapping key that is not an env variable name',
    text: yaml(
      'project: t',
      'secrets: { s: { generate: true } }',
      'services:',
      '  a:',
      '    image: nginx:1',
      '    secrets: { MY-PASS: s }',
    ),
    problems: [
      '6:16 services.a.secrets.MY-PASS: expected an environment variable name (letters, digits, "_"), got "MY-PASS"',
    ],
  },
  {
    name: 'inline secret value',
    text: yaml(
      'project: t',
      'secrets:',
      '  db: { value: hunter2 }',
      'services:',
      '  a: { image: nginx:1 }',
    ),
    problems: [
      '3:3 secrets.db: missing a source — use generate: true, file: PATH or env: VARIABLE',
      '3:16 secrets.db.value: secret values are never written in the topology — use generate: true, file: PATH or env: VARIABLE',
    ],
  },
  {
    name: 'secret sources: none, two, length without generate, length out of range',
    text: yaml(
      'project: t',
      'secrets:',
      '  a: {}',
      '  b: { generate: true, env: B }',
      '  c: { env: C, length: 64 }',
      '  d: { generate: true, length: 8 }',
      'services:',
      '  s: { image: nginx:1 }',
    ),
    problems: [
      '3:3 secrets.a: missing a source — use generate: true, file: PATH or env: VARIABLE',
      '4:24 secrets.b.env: choose one source, found generate and env',
      '5:16 secrets.c.length: length applies only to generate: true',
      '6:32 secrets.d.length: expected a length of 16-256 bytes, got 8',
    ],
  },
  {
    name: 'secret file that does not exist',
    text: yaml(
      'project: t',
      'secrets:',
      '  cert: { file: ./certs/missing.pem }',
      'services:',
      '  a: { image: nginx:1 }',
    ),
    problems: [
      `3:17 secrets.cert.file: secret file "./certs/missing.pem" not found (looked for ${process.cwd()}/test/fixtures/config/ctx/certs/missing.pem)`,
    ],
  },
  {
    name: 'depends_on an unknown service',
    text: yaml(...HEAD, '  web: { image: nginx:1, depends_on: [dbb] }', '  db: { image: nginx:1 }'),
    problems: ['3:39 services.web.depends_on[0]: unknown service "dbb" — did you mean "db"?'],
  },
  {
    name: 'dependency cycles, including a service on itself',
    text: yaml(
      ...HEAD,
      '  a: { image: nginx:1, depends_on: [b] }',
      '  b: { image: nginx:1, depends_on: { c: started } }',
      '  c: { image: nginx:1, depends_on: [a] }',
      '  d: { image: nginx:1, depends_on: [d] }',
    ),
    problems: [
      '5:37 services.c.depends_on[0]: dependency cycle: a → b → c → a — remove one of these depends_on entries',
      '6:37 services.d.depends_on[0]: dependency cycle: d → d — remove one of these depends_on entries',
    ],
  },
  {
    name: '"healthy" on services without a healthcheck',
    text: yaml(
      ...HEAD,
      '  app:',
      '    image: nginx:1',
      '    depends_on:',
      '      db: healthy',
      '      plain: { condition: healthy }',
      '      off: healthy',
      '      web: healthy',
      '      multi: healthy',
      '  db: { image: mariadb:10.11 }',
      '  plain: { build: apps/plain }',
      '  off: { image: nginx:1, healthcheck: { test: [NONE] } }',
      '  web: { build: apps/web }',
      '  multi: { build: { context: apps/multi, target: app } }',
    ),
    problems: [
      '6:7 services.app.depends_on.db: "healthy" needs a healthcheck on db, but image "mariadb:10.11" is not known to define one — add services.db.healthcheck or use "started"',
      '7:7 services.app.depends_on.plain: "healthy" needs a healthcheck on plain, but apps/plain/Dockerfile has no HEALTHCHECK — add services.plain.healthcheck or use "started"',
      '8:7 services.app.depends_on.off: "healthy" needs a healthcheck on off, but its healthcheck is disabled (["NONE"]) — add services.off.healthcheck or use "started"',
    ],
  },
  {
    name: "compose's condition spelling",
    text: yaml(
      ...HEAD,
      '  a: { image: nginx:1, depends_on: { b: service_healthy } }',
      '  b: { image: nginx:1 }',
    ),
    problems: [
      `3:41 services.a.depends_on.b: expected "started", "healthy" or "completed", got "service_healthy" (compose's "service_healthy" is "healthy" here)`,
    ],
  },
  {
    name: 'build contexts: missing, not a folder, no Dockerfile, Dockerfile outside',
    text: yaml(
      ...HEAD,
      '  a: { build: apps/missing }',
      '  b: { build: apps/not-a-folder }',
      '  c: { build: apps/empty }',
      '  d: { build: { context: apps/web, dockerfile: ../plain/Dockerfile } }',
    ),
    problems: [
      `3:15 services.a.build: build context "apps/missing" not found (looked at ${process.cwd()}/test/fixtures/config/ctx/apps/missing)`,
      `4:15 services.b.build: build context "apps/not-a-folder" is not a folder (looked at ${process.cwd()}/test/fixtures/config/ctx/apps/not-a-folder)`,
      `5:15 services.c.build: no Dockerfile in build context "apps/empty" (looked for ${process.cwd()}/test/fixtures/config/ctx/apps/empty/Dockerfile)`,
      '6:48 services.d.build.dockerfile: dockerfile "../plain/Dockerfile" must be inside the build context "apps/web"',
    ],
  },
  {
    name: 'unknown key in a build mapping',
    text: yaml(...HEAD, '  a: { build: { context: apps/web, dockerflie: Dockerfile } }'),
    problems: [
      '3:36 services.a.build.dockerflie: unknown key "dockerflie" — did you mean "dockerfile"?',
    ],
  },
  {
    name: 'env values that are not scalars',
    text: yaml(
      ...HEAD,
      '  a:',
      '    image: nginx:1',
      '    env:',
      '      A: { b: 1 }',
      '      B: [1]',
      '      C:',
    ),
    problems: [
      '6:10 services.a.env.A: expected a string, number or boolean, got a mapping',
      '7:10 services.a.env.B: expected a string, number or boolean, got a list',
      '8:9 services.a.env.C: expected a string, number or boolean, got null',
    ],
  },
  {
    name: 'healthcheck: bad test, bad durations, typo',
    text: yaml(
      ...HEAD,
      '  a:',
      '    image: nginx:1',
      '    healthcheck:',
      '      test: [echo, hi]',
      '      interval: 10 seconds',
      '      timeout: 0s',
      '      retires: 3',
    ),
    problems: [
      '6:13 services.a.healthcheck.test: expected ["CMD", "program", …], ["CMD-SHELL", "command"], ["NONE"] or a command string, got ["echo","hi"]',
      '7:17 services.a.healthcheck.interval: expected a duration like "10s", "500ms" or "1m30s", or a number of seconds, got "10 seconds"',
      '8:16 services.a.healthcheck.timeout: expected a duration of at least 1ms, got "0s"',
      '9:7 services.a.healthcheck.retires: unknown key "retires" — did you mean "retries"?',
    ],
  },
  {
    name: 'restart policy and stop grace period',
    text: yaml(...HEAD, '  a: { image: nginx:1, restart: sometimes, stop_grace_period: -1 }'),
    problems: [
      '3:33 services.a.restart: expected "no", "always", "unless-stopped" or "on-failure[:N]", got "sometimes"',
      '3:63 services.a.stop_grace_period: expected a duration like "10s", "500ms" or "1m30s", or a number of seconds, got -1',
    ],
  },
  {
    name: 'hosts: local redefined, bad SSH targets',
    text: yaml(
      'project: t',
      'hosts:',
      '  local: { ssh: root@127.0.0.1 }',
      '  web1: { ssh: 203.0.113.10 }',
      '  web2: { ssh: root@203.0.113.11:70000 }',
      '  web3: { ssh: "root@[2001:db8:::1]:22" }',
      'services:',
      '  a: { image: nginx:1 }',
    ),
    problems: [
      `3:3 hosts.local: "local" is the implicit host (this machine's Docker engine) and cannot be redefined — pick another name`,
      '4:16 hosts.web1.ssh: expected "user@host" or "user@host:port", got "203.0.113.10"',
      '5:16 hosts.web2.ssh: SSH port 70000 is out of range (1-65535) in "root@203.0.113.11:70000"',
      '6:16 hosts.web3.ssh: invalid IPv6 address "2001:db8:::1" in "root@[2001:db8:::1]:22"',
    ],
  },
  {
    name: 'unknown hosts (top level, service, --host)',
    text: yaml(
      'project: t',
      'host: web',
      'hosts: { web1: { ssh: root@203.0.113.10 } }',
      'services:',
      '  a: { image: nginx:1, host: wbe1 }',
    ),
    overrideHost: 'web9',
    problems: [
      'test/fixtures/config/ctx/notesctl.config.yaml --host: unknown host "web9" — did you mean "web1"?',
      '2:7 host: unknown host "web" — did you mean "web1"?',
      '5:30 services.a.host: unknown host "wbe1" — did you mean "web1"?',
    ],
  },
  {
    name: 'a network and a dependency spanning hosts',
    text: yaml(
      'project: t',
      'hosts: { web1: { ssh: root@203.0.113.10 } }',
      'networks: { n: {} }',
      'services:',
      '  db: { image: nginx:1, networks: [n] }',
      '  app: { image: nginx:1, host: web1, networks: [n], depends_on: [db] }',
    ),
    problems: [
      '6:49 services.app.networks[0]: network "n" would span hosts: db runs on "local", app on "web1" — networks do not cross hosts; place both on one host',
      '6:66 services.app.depends_on[0]: db runs on host "local" but app runs on "web1" — a service and its dependencies must share a host',
    ],
  },
  {
    name: 'unset variable, required variable, bad interpolation',
    text: yaml(
      ...HEAD,
      '  a:',
      '    image: nginx:1',
      '    env:',
      '      URL: ${PUBLIC_URL}',
      '      KEY: ${API_KEY:?set it to the key from the dashboard}',
      '      BAD: ${1X}',
      '      LONE: "cost: 5$"',
    ),
    problems: [
      '6:12 services.a.env.URL: variable PUBLIC_URL is not set — export PUBLIC_URL=… or add it to .env next to notesctl.config.yaml, or give a default: ${PUBLIC_URL:-value}',
      '7:12 services.a.env.KEY: variable API_KEY is required: set it to the key from the dashboard — export API_KEY=… or add it to .env next to notesctl.config.yaml',
      '8:12 services.a.env.BAD: invalid interpolation "${1X}": expected ${NAME}, ${NAME:-default} or ${NAME:?message}',
      '9:13 services.a.env.LONE: "$" must start a variable ("${NAME}") — use "$$" for a literal "$"',
    ],
  },
  {
    name: 'an unset variable in a port is reported once (not again as a bad port)',
    text: yaml(...HEAD, '  a: { image: nginx:1, ports: ["${PORT}:80"] }'),
    problems: [
      '3:32 services.a.ports[0]: variable PORT is not set — export PORT=… or add it to .env next to notesctl.config.yaml, or give a default: ${PORT:-value}',
    ],
  },
  {
    name: 'duplicate keys',
    text: yaml('project: t', 'services:', '  a: { image: nginx:1 }', '  a: { image: nginx:2 }'),
    problems: [
      '4:3 services.a: duplicate key "a" — first defined at line 3; each key may appear once',
    ],
  },
  {
    name: 'YAML syntax error',
    text: yaml('project: t', 'services:', '  a: { image: nginx:1', '  b: 2'),
    problems: [
      '4:3 (file): invalid YAML: Flow map in block collection must be sufficiently indented and end with a }',
    ],
  },
  {
    name: 'more than one document',
    text: yaml('project: t', 'services: { a: { image: nginx:1 } }', '---', 'project: u'),
    problems: ['3:1 (file): expected one YAML document, found 2 — remove the "---" separators'],
  },
  {
    name: 'empty file',
    text: '# nothing here\n',
    problems: ['1:1 (file): the file is empty — expected a mapping with project: and services:'],
  },
  {
    name: 'a list instead of a mapping',
    text: yaml('- project: t'),
    problems: ['1:1 (file): expected a mapping with project: and services:, got a list'],
  },
  {
    name: 'command with an unterminated quote, empty entrypoint string',
    text: yaml(
      ...HEAD,
      '  a:',
      '    image: nginx:1',
      `    command: node -e "console.log(1)`,
      '    entrypoint: ""',
    ),
    problems: [
      `5:14 services.a.command: unterminated " quote in "node -e \\"console.log(1)"`,
      '6:17 services.a.entrypoint: expected a command, got ""',
    ],
  },
  {
    name: 'secret mounts: relative target, two mounts on one path, *_FILE also in env',
    text: yaml(
      'project: t',
      'secrets: { s: { generate: true }, t: { generate: true } }',
      'volumes: { v: {} }',
      'services:',
      '  a:',
      '    image: nginx:1',
      '    volumes: ["v:/run/secrets/s"]',
      '    env: { PASS_FILE: /x }',
      '    secrets: { PASS: s }',
      '  b:',
      '    image: nginx:1',
      '    secrets: [{ source: t, target: relative }]',
    ),
    problems: [
      "9:16 services.a.secrets.PASS: PASS_FILE is also set under env: — the secret sets it to the file's path; remove one",
      '9:22 services.a.secrets.PASS: /run/secrets/s is already mounted by services.a.volumes[0]',
      '12:36 services.b.secrets[0].target: expected an absolute path, got "relative"',
    ],
  },
  {
    name: 'wrong collection types',
    text: yaml(
      ...HEAD,
      '  a:',
      '    image: nginx:1',
      '    networks: { frontnet: {} }',
      '    expose: [70000]',
      '    user: [1]',
    ),
    problems: [
      '5:15 services.a.networks: expected a list of networks, got a mapping',
      '6:14 services.a.expose[0]: expected a port number 1-65535, got 70000',
      '7:11 services.a.user: expected a user name or "uid:gid", got a list',
    ],
  },
  {
    name: 'a key that is not plain text',
    text: yaml('project: t', 'services:', '  ? [a, b]', '  : { image: nginx:1 }'),
    problems: ['3:5 services: keys must be plain text'],
  },
  {
    name: 'many problems in one file, reported together in file order',
    text: yaml(
      'project: notes',
      'networks:',
      '  frontnet: {}',
      'services:',
      '  notes:',
      '    build: apps/web',
      '    ports: ["3000"]',
      '    networks: [frontnet, svcnet]',
      '    depends_on: { db-notes: healthy }',
      '    restrat: always',
      '  db-notes:',
      '    image: mariadb:10.11',
      '    volumes: ["/var/lib/mysql:/var/lib/mysql"]',
    ),
    problems: [
      '7:13 services.notes.ports[0]: expected "HOST:CONTAINER", got "3000"',
      '8:26 services.notes.networks[1]: unknown network "svcnet" (expected one of: frontnet)',
      '9:19 services.notes.depends_on.db-notes: "healthy" needs a healthcheck on db-notes, but image "mariadb:10.11" is not known to define one — add services.db-notes.healthcheck or use "started"',
      '10:5 services.notes.restrat: unknown key "restrat" — did you mean "restart"?',
      `13:15 services.db-notes.volumes[0]: host paths are not supported (remote engines cannot see this machine's files), got "/var/lib/mysql:/var/lib/mysql" — declare a named volume under volumes: and use "NAME:/path"`,
    ],
  },
];

describe('broken topologies', () => {
  it('has at least 40 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES)('$name', ({ text, problems, env, overrideHost }) => {
    expect(problemsOf(text, env, { overrideHost })).toEqual(problems);
  });
});
