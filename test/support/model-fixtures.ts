/**
 * Hand-built model objects for unit tests: a normalised Service with every field at its default,
 * and a host record as `provision ssh` writes it. Tests override what they are about.
 */
import type { HostRecord } from '../../src/hosts/store.ts';
import type { ProxySettings, Service } from '../../src/model/topology.ts';

/** A service from `image: debian:12` on the local host, every other field at its default. */
export function makeService(name: string, extra: Partial<Service> = {}): Service {
  return {
    name,
    image: { kind: 'image', ref: 'debian:12' },
    env: {},
    secrets: [],
    ports: [],
    expose: [],
    networks: [],
    volumes: [],
    dependsOn: {},
    healthcheck: undefined,
    restart: { name: 'unless-stopped', maximumRetryCount: 0 },
    command: undefined,
    entrypoint: undefined,
    user: undefined,
    stopGracePeriodMs: 10_000,
    host: 'local',
    http: undefined,
    replicas: 1,
    ...extra,
  };
}

/** The release settings when a topology has no `releases:` key. */
export const RELEASE_SETTINGS = { keep: 5 };

/** The edge proxy's settings when a topology has no `proxy:` key (issue 19). */
export function makeProxySettings(extra: Partial<ProxySettings> = {}): ProxySettings {
  return {
    image: 'caddy:2',
    httpPort: 80,
    httpsPort: 443,
    acme: { email: undefined, ca: undefined, caRoot: undefined },
    ...extra,
  };
}

/** A host record of a host reached as root@203.0.113.7:22. */
export function makeHostRecord(name: string, extra: Partial<HostRecord> = {}): HostRecord {
  return {
    version: 1,
    name,
    driver: 'ssh',
    user: 'root',
    hostname: '203.0.113.7',
    port: 22,
    socket: '/run/docker.sock',
    createdAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}
