// Shared set-up for the client tests: a fake DigitalOcean per test and throwaway SSH keys.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach } from 'vitest';
import {
  DigitalOceanClient,
  type DigitalOceanClientOptions,
} from '../../../../src/provision/digitalocean/client.ts';
import { readCloudInitTemplate } from '../../../../src/provision/digitalocean/cloud-init.ts';
import { planDroplet } from '../../../../src/provision/digitalocean/plan.ts';
import type { DropletCreateRequest } from '../../../../src/provision/digitalocean/types.ts';
import {
  startFakeDigitalOcean,
  type FakeDigitalOcean,
  type FakeDigitalOceanOptions,
} from '../../../fakes/digitalocean/server.ts';

/** A token shaped like a real personal access token; tests check it never leaks. */
export const TOKEN = `dop_v1_${'5eca7'.repeat(12)}e1d0`;

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fake closed after the test. */
export async function fake(
  options: Partial<FakeDigitalOceanOptions> = {},
): Promise<FakeDigitalOcean> {
  const server = await startFakeDigitalOcean({ token: TOKEN, ...options });
  cleanups.push(() => server.close());
  return server;
}

/** A client of `server` with quick retries unless told otherwise. */
export function clientOf(
  server: { url: string },
  options: Partial<DigitalOceanClientOptions> = {},
): DigitalOceanClient {
  return new DigitalOceanClient({
    token: TOKEN,
    baseUrl: server.url,
    timeoutMs: 5000,
    ...options,
    retry: { baseDelayMs: 20, maxDelayMs: 200, maxTotalMs: 10_000, ...options.retry },
  });
}

/** A fresh ed25519 public key line (`ssh-ed25519 AAAA… comment`). */
export async function newPublicKey(comment = 'notesctl-test'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'notesctl-do-key-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'id_ed25519');
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

/** A valid create body for host `hostName` using key `sshKeyId`. */
export async function dropletSpec(
  hostName: string,
  sshKeyId: number,
  overrides: Partial<DropletCreateRequest> = {},
): Promise<DropletCreateRequest> {
  const spec = planDroplet({
    hostName,
    region: 'fra1',
    size: 's-1vcpu-1gb',
    image: 'ubuntu-24-04-x64',
    sshKeyId,
    cloudInitTemplate: await readCloudInitTemplate(),
  });
  return { ...spec, ...overrides };
}
