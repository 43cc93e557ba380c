// `notesctl provision digitalocean NAME --cluster C` end to end against the fake DigitalOcean API
// (issue 20): two Droplets provisioned for one cluster carry its tag, and each one's firewall
// admits the swarm ports from that tag only; provisioning the second restores swarm rules the
// first one's firewall had lost. Bad --cluster values stop before any API call.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterTag } from '../../src/provision/digitalocean/cluster-firewall.ts';
import type { Firewall } from '../../src/provision/digitalocean/types.ts';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean/server.ts';
import { startHost, type TestHost } from '../bed/hosts.ts';
import { debianImage } from '../bed/images.ts';
import { runCli } from '../support/run-cli.ts';

const run = `pc${process.pid}`;
const token = `dop_v1_${run}`;
const project = `${run}p`;
const SWARM = ['tcp/2377', 'tcp/7946', 'udp/4789', 'udp/7946'];

/** The firewall's inbound rules as `protocol/ports from sources`, sorted. */
function rulesOf(firewall: Firewall | undefined): string[] {
  return (firewall?.inbound_rules ?? [])
    .map((r) => {
      const from = [
        ...(r.sources.addresses ?? []),
        ...(r.sources.tags ?? []).map((t) => `tag:${t}`),
      ];
      return `${r.protocol}/${r.ports ?? ''} from ${from.join(',')}`;
    })
    .sort();
}

describe('provision digitalocean --cluster', () => {
  let fake: FakeDigitalOcean;
  let dir: string;
  let env: Record<string, string>;
  const machines = new Map<number, TestHost>();
  const cli = (args: string[]) => runCli(args, { env, cwd: dir, timeoutMs: 300_000 });
  const writeTopology = (extra: string[]) =>
    writeFileSync(
      join(dir, 'notesctl.config.yaml'),
      [
        `project: ${project}`,
        'services:',
        '  web:',
        `    image: ${debianImage}`,
        "    ports: ['3000:3000']",
        ...extra,
        '',
      ].join('\n'),
    );
  const firewallOf = (name: string) =>
    [...fake.state.firewalls.values()].find((f) => f.name === `notesctl-${name}`);

  beforeAll(async () => {
    fake = await startFakeDigitalOcean({
      token,
      activateAfterMs: 200,
      onDropletCreated: async (droplet) => {
        const host = await startHost(`${run}d${droplet.droplet.id % 1000}`, { dockerd: false });
        machines.set(droplet.droplet.id, host);
        appendFileSync(
          join(dirname(host.identityFile), 'authorized_keys'),
          droplet.sshPublicKeys.map((k) => `${k}\n`).join(''),
        );
        return { ipv4: host.address };
      },
      onDropletDeleted: async (droplet) => {
        await machines.get(droplet.droplet.id)?.stop();
        machines.delete(droplet.droplet.id);
      },
    });
    dir = mkdtempSync(join(tmpdir(), `${run}-`));
    env = {
      HOME: dir,
      NOTESCTL_HOME: join(dir, 'state'),
      SSH_AUTH_SOCK: '',
      DIGITALOCEAN_ACCESS_TOKEN: token,
      DIGITALOCEAN_API_URL: fake.url,
    };
    writeTopology([]);
  });

  afterAll(async () => {
    await fake.close();
    for (const host of machines.values()) await host.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tags both droplets for the cluster; each firewall admits the swarm ports from the tag only', async () => {
    const tag = clusterTag(project, 'prod');
    const first = await cli(['provision', 'digitalocean', 'c1', '--cluster', 'prod']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('ESP (IP protocol 50)');
    expect(first.stderr).toContain('Declare cluster prod in notesctl.config.yaml:');
    expect(first.stderr).toContain('notesctl cluster up prod');

    // Someone trimmed c1's firewall by hand: provisioning c2 must put the swarm rules back.
    const c1Firewall = firewallOf('c1');
    if (c1Firewall) c1Firewall.inbound_rules = c1Firewall.inbound_rules.slice(0, 2);
    writeTopology(['clusters:', '  prod: { managers: [c1] }']);
    const second = await cli(['provision', 'digitalocean', 'c2', '--cluster', 'prod']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`swarm rules added: c1: tcp/2377 from tag ${tag}`);
    expect(second.stderr).toContain('clusters.prod.workers: [c2]');
    expect(second.stderr).not.toContain('WARNING');

    const droplets = [...fake.state.droplets.values()].map((d) => d.droplet);
    expect(droplets.map((d) => d.tags.includes(tag))).toEqual([true, true]);
    for (const name of ['c1', 'c2']) {
      expect(rulesOf(firewallOf(name)), name).toEqual(
        [
          'tcp/22 from 0.0.0.0/0,::/0',
          'tcp/3000 from 0.0.0.0/0,::/0',
          ...SWARM.map((rule) => `${rule} from tag:${tag}`),
        ].sort(),
      );
    }
  });

  it('provision ssh --cluster opens nothing and says what the operator must open', async () => {
    const server = await startHost(`${run}s`, { dockerd: false });
    try {
      const before = fake.state.requests.length;
      const args = ['provision', 'ssh', 's1', `root@${server.address}`, '-i', server.identityFile];
      const result = await cli([...args, '--accept-new-host-key', '--cluster', 'prod']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(
        'notesctl opened no port on s1. Its firewall must admit, from the other members of prod (c1) and no one else:',
      );
      expect(result.stderr).toMatch(
        /2377\/tcp .*\n.*7946\/tcp.*\n.*7946\/udp.*\n.*4789\/udp.*\n.*ESP/,
      );
      expect(result.stderr).toContain(
        `WARNING member c1 is a DigitalOcean droplet: its Cloud Firewall admits the swarm ports only from the droplets tagged for prod, not from s1 — add rules for ${server.address} to it`,
      );
      expect(result.stderr).toContain('clusters.prod.workers: [s1]');
      expect(result.stderr).toContain('notesctl cluster up prod');
      expect(fake.state.requests.length).toBe(before);
    } finally {
      await server.stop();
    }
  });

  it('refuses bad --cluster values before any API call, naming the flag', async () => {
    const before = fake.state.requests.length;
    const cases: [string[], RegExp][] = [
      [
        ['provision', 'digitalocean', 'c3', '--cluster', 'pro d'],
        /--cluster pro d: invalid cluster name/,
      ],
      [
        ['provision', 'digitalocean', 'c3', '--cluster', 'c1'],
        /--cluster c1: "c1" is a host, not a cluster/,
      ],
      [
        ['provision', 'ssh', 's1', 'root@192.0.2.1', '--cluster', 'prdo'],
        /--cluster prdo: not under clusters: in .* — did you mean "prod"\?/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(fake.state.requests.length).toBe(before);
  });
});
