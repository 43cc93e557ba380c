/**
 * loadTopology on real files: `.env` beside the topology, the path shown as given, and the
 * features the Notes stack does not use (hosts, file and env secrets, build options, anchors).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadTopology, parseTopologyText } from '../../../src/config/index.ts';
import { ConfigError, formatProblem } from '../../../src/errors.ts';
import { FIXTURE_FILE, yaml } from './helpers.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'notesctl-load-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Write the topology (and optionally a .env) into the temp folder; return the file path. */
function write(text: string, dotEnv?: string): string {
  if (dotEnv !== undefined) writeFileSync(join(dir, '.env'), dotEnv);
  const file = join(dir, 'notesctl.config.yaml');
  writeFileSync(file, text);
  return file;
}

/** The formatted problems of loading `file`. */
async function problems(file: string, env: Record<string, string> = {}): Promise<string[]> {
  const error: unknown = await loadTopology(file, { env }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems.map(formatProblem);
}

const TAGGED = yaml('project: t', 'services:', '  a: { image: "nginx:${TAG}" }');

describe('loadTopology', () => {
  it('reads .env beside the file for variables the environment does not set', async () => {
    const file = write(TAGGED, 'TAG=1.25\n# comment\nOTHER="x y"\n');
    expect((await loadTopology(file, { env: {} })).services.a?.image).toEqual({
      kind: 'image',
      ref: 'nginx:1.25',
    });
    const fromEnv = await loadTopology(file, { env: { TAG: '1.27' } });
    expect(fromEnv.services.a?.image).toEqual({ kind: 'image', ref: 'nginx:1.27' });
  });

  it('shows the path as the user gave it, relative to the working directory', async () => {
    const file = relative(process.cwd(), write(TAGGED));
    expect(await problems(file)).toEqual([
      `${file}:3:15 services.a.image: variable TAG is not set — export TAG=… or add it to .env next to notesctl.config.yaml, or give a default: \${TAG:-value}`,
    ]);
  });

  it('says where it looked for a missing file', async () => {
    expect(await problems('no/such/notesctl.config.yaml')).toEqual([
      `no/such/notesctl.config.yaml (file): file not found (looked for ${process.cwd()}/no/such/notesctl.config.yaml)`,
    ]);
  });

  it('resolves hosts, ~ and relative paths, file/env secrets and build options', async () => {
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'Dockerfile.prod'), 'FROM x AS runtime\n');
    mkdirSync(join(dir, 'certs'));
    writeFileSync(join(dir, 'certs', 'key.pem'), 'fixture\n');
    const file = write(
      yaml(
        'project: shop',
        'host: web1',
        'hosts:',
        '  web1: { ssh: "deploy@[2001:db8::1]:2222", identity: ~/.ssh/id_ed25519 }',
        '  web2: { ssh: root@203.0.113.10, identity: keys/id, socket: /var/run/docker.sock, runtime: docker }',
        'secrets:',
        '  cert: { file: ./certs/key.pem }',
        '  token: { env: API_TOKEN }',
        '  big: { generate: true, length: 64 }',
        'x-defaults: &defaults',
        '  restart: on-failure:5',
        '  stop_grace_period: 1m30s',
        'services:',
        '  app:',
        '    <<: *defaults',
        '    build: { context: app, dockerfile: Dockerfile.prod, target: runtime, args: { V: 2, DEBUG: false } }',
        '    secrets: [cert, { source: token, target: /etc/token, env: TOKEN_FILE }]',
        '    healthcheck: { test: "curl -f http://localhost/ || exit 1", interval: 500ms }',
        '    command: node "dist/server.js" --port 80',
        '    user: 1000',
        '    ports: ["127.0.0.1:8080:80", "53:53/udp"]',
        '    expose: ["9000", 80, 80]',
      ),
    );
    const topology = await loadTopology(file, { env: { HOME: '/home/ann' } });
    expect(topology.hosts).toEqual({
      web1: {
        name: 'web1',
        user: 'deploy',
        hostname: '2001:db8::1',
        port: 2222,
        identity: '/home/ann/.ssh/id_ed25519',
        socket: '/run/docker.sock',
        runtime: 'docker',
        firewall: false,
      },
      web2: {
        name: 'web2',
        user: 'root',
        hostname: '203.0.113.10',
        port: 22,
        identity: join(dir, 'keys/id'),
        socket: '/var/run/docker.sock',
        runtime: 'docker',
        firewall: false,
      },
    });
    expect(topology.secrets).toEqual({
      big: { name: 'big', source: { kind: 'generate', length: 64 } },
      cert: { name: 'cert', source: { kind: 'file', path: join(dir, 'certs/key.pem') } },
      token: { name: 'token', source: { kind: 'env', variable: 'API_TOKEN' } },
    });
    const app = topology.services.app;
    expect(app).toMatchObject({
      host: 'web1',
      image: {
        kind: 'build',
        context: join(dir, 'app'),
        dockerfile: 'Dockerfile.prod',
        args: { DEBUG: 'false', V: '2' },
        target: 'runtime',
      },
      secrets: [
        { secret: 'token', target: '/etc/token', envVar: 'TOKEN_FILE' },
        { secret: 'cert', target: '/run/secrets/cert', envVar: undefined },
      ],
      healthcheck: {
        test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'],
        intervalMs: 500,
        timeoutMs: 30_000,
        retries: 3,
        startPeriodMs: 0,
      },
      restart: { name: 'on-failure', maximumRetryCount: 5 },
      stopGracePeriodMs: 90_000,
      command: ['node', 'dist/server.js', '--port', '80'],
      user: '1000',
      expose: [80, 9000],
      ports: [
        { hostIp: undefined, hostPort: 53, containerPort: 53, protocol: 'udp' },
        { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
      ],
    });
  });

  it('accepts null for empty sections and entries', () => {
    const topology = parseTopologyText(
      yaml(
        'project: t',
        'hosts:',
        'networks:',
        '  n:',
        'volumes:',
        '  v:',
        'services:',
        '  a:',
        '    image: nginx:1',
        '    networks: [n]',
        '    volumes: ["v:/data:ro"]',
      ),
      FIXTURE_FILE,
    );
    expect(topology.networks).toEqual({ n: { name: 'n', internal: false, encrypted: true } });
    expect(topology.services.a?.volumes).toEqual([
      { volume: 'v', target: '/data', readOnly: true },
    ]);
  });
});
