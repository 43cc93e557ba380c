/**
 * Hosts recorded by `provision ssh --runtime` (issue 21) deploy with the runtime they were
 * provisioned for: placed on by name only, declared without `runtime:`, or declared with the same
 * one; a `runtime:` that says otherwise is reported at the key, naming both; a cluster refuses a
 * recorded plain server; firewall: is accepted on a recorded plain server.
 */
import { describe, expect, it } from 'vitest';
import { parseTopologyText, type ParseTopologyOptions } from '../../../src/config/index.ts';
import { runtimeOf, type Topology } from '../../../src/model/topology.ts';
import { FIXTURE_FILE, problemsOf, yaml } from './helpers.ts';

const RECORDED: ParseTopologyOptions = {
  knownHosts: ['vps', 'pm', 'old'],
  hostRuntimes: { vps: 'systemd', pm: 'pm2' },
};

function load(text: string, options: ParseTopologyOptions = RECORDED): Topology {
  return parseTopologyText(text, FIXTURE_FILE, {}, { home: '/home/tester', ...options });
}

const SERVICE = ['services:', '  web: { image: nginx:1 }'];

describe('recorded runtimes', () => {
  it('deploys a host named only in host: with the runtime it was provisioned for', () => {
    const topology = load(yaml('project: t', 'host: vps', ...SERVICE));
    expect(topology.hosts).toEqual({});
    expect(topology.recordedRuntimes).toEqual({ pm: 'pm2', vps: 'systemd' });
    expect(runtimeOf(topology, 'vps')).toBe('systemd');
    expect(runtimeOf(topology, 'pm')).toBe('pm2');
    // A record without a runtime (provisioned before --runtime existed) is Docker's.
    expect(runtimeOf(topology, 'old')).toBe('docker');
  });

  it('leaves the topology as it was when no recorded host has another runtime than docker', () => {
    const topology = load(yaml('project: t', ...SERVICE), { hostRuntimes: { web1: 'docker' } });
    expect(topology).not.toHaveProperty('recordedRuntimes');
  });

  it("takes the record's runtime for a declared host without runtime:", () => {
    const topology = load(
      yaml(
        'project: t',
        'host: vps',
        'hosts:',
        '  vps: { ssh: root@203.0.113.7, firewall: true }',
        ...SERVICE,
      ),
    );
    expect(topology.hosts.vps?.runtime).toBe('systemd');
    expect(topology.hosts.vps?.firewall).toBe(true);
    expect(runtimeOf(topology, 'vps')).toBe('systemd');
    expect(topology.recordedRuntimes).toEqual({ pm: 'pm2' });
  });

  it('accepts a runtime: that agrees with the record', () => {
    const text = yaml('project: t', 'hosts:', '  vps: { ssh: root@203.0.113.7, runtime: systemd }');
    expect(problemsOf(`${text}${SERVICE.join('\n')}\n`, {}, RECORDED)).toEqual([]);
  });

  it('reports a runtime: that disagrees with the record, naming both and what to do', () => {
    const text = yaml(
      'project: t',
      'hosts:',
      '  vps: { ssh: root@203.0.113.7, runtime: docker }',
      '  pm:',
      '    ssh: root@203.0.113.8',
      '    runtime: systemd',
      ...SERVICE,
    );
    expect(problemsOf(text, {}, RECORDED)).toEqual([
      '3:42 hosts.vps.runtime: "docker" here, but host vps was provisioned for runtime systemd (notesctl hosts show vps) — remove runtime: to deploy with systemd, or provision vps again for docker',
      '6:14 hosts.pm.runtime: "systemd" here, but host pm was provisioned for runtime pm2 (notesctl hosts show pm) — remove runtime: to deploy with pm2, or provision pm again for systemd',
    ]);
  });

  it('refuses a recorded plain server as a cluster member', () => {
    const text = yaml(
      'project: t',
      'clusters:',
      '  prod: { managers: [vps] }',
      'services:',
      '  web: { image: nginx:1, host: prod }',
    );
    expect(problemsOf(text, {}, RECORDED)).toEqual([
      '3:22 clusters.prod.managers[0]: host "vps" was provisioned for runtime systemd (no Docker) — cluster members run Docker (leave it out of the cluster, or provision a Docker host)',
    ]);
  });
});
