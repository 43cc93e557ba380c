import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordedAddresses } from '../../../src/commands/support/recorded-addresses.ts';
import { writeHost } from '../../../src/hosts/store.ts';
import type { HttpRoute, Topology } from '../../../src/model/topology.ts';
import { summarizeUp } from '../../../src/output/up-summary.ts';
import type { Terminal } from '../../../src/output/terminal.ts';
import {
  makeHostRecord,
  makeProxySettings,
  makeService,
  RELEASE_SETTINGS,
} from '../../support/model-fixtures.ts';

let root: string;
let saved: string | undefined;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'notesctl-addresses-'));
  saved = process.env.NOTESCTL_HOME;
  process.env.NOTESCTL_HOME = join(root, 'state');
});
afterEach(async () => {
  if (saved === undefined) delete process.env.NOTESCTL_HOME;
  else process.env.NOTESCTL_HOME = saved;
  await rm(root, { recursive: true, force: true });
});

function topology(): Topology {
  const http: HttpRoute = {
    hosts: [],
    port: 3000,
    path: '/health',
    tls: { kind: 'off' },
    drainTimeoutMs: 0,
  };
  return {
    project: 'demo',
    file: join(root, 'notesctl.config.yaml'),
    directory: root,
    hosts: {},
    clusters: {},
    networks: {},
    volumes: {},
    secrets: {},
    services: {
      web: makeService('web', { host: 'web1', http }),
      db: makeService('db', { host: 'local' }),
    },
    releases: RELEASE_SETTINGS,
    proxy: makeProxySettings(),
  };
}

describe("up's summary on a host only the host store knows", () => {
  it('names the recorded address in the URL, not the record name', async () => {
    await writeHost(makeHostRecord('web1', { hostname: '203.0.113.9' }));
    const t = topology();
    const addresses = await recordedAddresses(t);
    expect(addresses).toEqual({ web1: '203.0.113.9' });
    const lines: string[] = [];
    const terminal = {
      options: { json: false },
      info: (text: string) => lines.push(text),
      warn: (text: string) => lines.push(text),
    };
    summarizeUp(terminal as unknown as Terminal, t, [], addresses);
    expect(lines).toContain('web: http://203.0.113.9/');
  });

  it('leaves unknown hosts by name', async () => {
    expect(await recordedAddresses(topology())).toEqual({});
  });
});
