// `provision digitalocean --cluster` (issue 20): the firewall plan as text — the swarm ports from
// the cluster's tag only, never from everywhere — and the check that completes the rules of the
// cluster's other Droplets, against the fake API.
import { describe, expect, it } from 'vitest';
import { admitClusterMembers } from '../../../../src/provision/digitalocean/admit-members.ts';
import {
  clusterTag,
  describeInboundRule,
  missingSwarmRules,
} from '../../../../src/provision/digitalocean/cluster-firewall.ts';
import { firewallPorts, planFirewall } from '../../../../src/provision/digitalocean/plan.ts';
import type { Topology } from '../../../../src/model/topology.ts';
import { makeProxySettings, makeService } from '../../../support/model-fixtures.ts';
import type { Firewall } from '../../../../src/provision/digitalocean/types.ts';
import type { ApplyEvent } from '../../../../src/apply/events.ts';
import { clientOf, dropletSpec, fake, newPublicKey } from './helpers.ts';

describe('the cluster firewall plan', () => {
  it('tags a cluster per project; a "." in its name becomes ":"', () => {
    expect(clusterTag('shop', 'prod')).toBe('notesctl-cluster-shop:prod');
    expect(clusterTag('shop', 'eu.prod')).toBe('notesctl-cluster-shop:eu:prod');
    expect(clusterTag('shop-eu', 'prod')).not.toBe(clusterTag('shop', 'eu-prod'));
  });

  it('admits SSH and published ports from anywhere, the swarm ports from the tag only', () => {
    const plan = planFirewall({
      hostName: 'w1',
      ports: [{ port: 443, protocol: 'tcp' }],
      dropletIds: [7],
      clusterTag: clusterTag('shop', 'prod'),
    });
    expect(plan.inbound_rules.map(describeInboundRule).join('\n')).toBe(
      [
        'tcp/22 from 0.0.0.0/0, ::/0',
        'tcp/443 from 0.0.0.0/0, ::/0',
        'tcp/2377 from tag notesctl-cluster-shop:prod',
        'tcp/7946 from tag notesctl-cluster-shop:prod',
        'udp/7946 from tag notesctl-cluster-shop:prod',
        'udp/4789 from tag notesctl-cluster-shop:prod',
      ].join('\n'),
    );
  });

  it('finds the swarm rules a member lacks, counting ranges and "0" (all ports)', () => {
    const tag = 'notesctl-cluster-shop:prod';
    const firewall = (rules: Firewall['inbound_rules']) => ({ inbound_rules: rules }) as Firewall;
    const lacking = (firewalls: Firewall[]) =>
      missingSwarmRules(firewalls, tag).map(describeInboundRule);
    expect(lacking([])).toHaveLength(4);
    expect(
      lacking([
        firewall([{ protocol: 'tcp', ports: '2000-8000', sources: { tags: [tag] } }]),
        firewall([{ protocol: 'udp', ports: '0', sources: { tags: ['other', tag] } }]),
      ]),
    ).toEqual([]);
    expect(
      lacking([
        firewall([{ protocol: 'udp', ports: '4789', sources: { addresses: ['0.0.0.0/0'] } }]),
      ]),
    ).toContain(`udp/4789 from tag ${tag}`);
  });
});

describe('admitClusterMembers against the fake', () => {
  it("adds the missing rules to notesctl's firewall of each tagged droplet; reports others", async () => {
    const server = await fake({ activateAfterMs: 0 });
    const client = clientOf(server);
    const keyId = (await client.createKey('k', await newPublicKey())).key.id;
    const tag = clusterTag('shop', 'prod');
    const create = async (name: string) =>
      (await client.createDroplet(await dropletSpec(name, keyId, { tags: ['notesctl', tag] })))
        .droplet;
    const [complete, bare, foreign, added] = await Promise.all(
      ['m1', 'm2', 'm3', 'w1'].map(create),
    );
    const firewallOf = (name: string, id: number, clustered: boolean) =>
      client.createFirewall(
        planFirewall({
          hostName: name,
          ports: [],
          dropletIds: [id],
          ...(clustered ? { clusterTag: tag } : {}),
        }),
      );
    await firewallOf('m1', complete?.id ?? 0, true);
    const bareFirewall = await firewallOf('m2', bare?.id ?? 0, false);
    await client.createFirewall({
      ...planFirewall({ hostName: 'm3', ports: [], dropletIds: [foreign?.id ?? 0] }),
      name: 'hand-made',
    });
    const events: ApplyEvent[] = [];
    const result = await admitClusterMembers(client, tag, added?.id ?? 0, (e) => events.push(e));

    expect(result.members.map((d) => d.name).sort()).toEqual(['m1', 'm2', 'm3']);
    expect(result.added).toEqual([
      `m2: tcp/2377 from tag ${tag}`,
      `m2: tcp/7946 from tag ${tag}`,
      `m2: udp/7946 from tag ${tag}`,
      `m2: udp/4789 from tag ${tag}`,
    ]);
    expect(result.unfixed).toEqual([`m3 (${foreign?.id ?? 0})`]);
    const stored = server.state.firewalls.get(bareFirewall.id);
    expect(missingSwarmRules(stored ? [stored] : [], tag)).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['op-start', 'op-done', 'note']);
  });
});

describe('firewallPorts for a cluster member', () => {
  it('admits the ports of the services placed on the cluster', () => {
    const topology = {
      file: 'notesctl.config.yaml',
      proxy: makeProxySettings(),
      services: {
        web: makeService('web', {
          host: 'prod',
          ports: [{ hostIp: undefined, hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
        }),
        db: makeService('db', { host: 'other', ports: [] }),
      },
    } as unknown as Topology;
    expect(firewallPorts(topology, 'w1', 'prod')).toEqual({
      ports: [{ port: 8080, protocol: 'tcp' }],
      portsReason: 'the ports notesctl.config.yaml publishes on prod',
    });
  });
});
