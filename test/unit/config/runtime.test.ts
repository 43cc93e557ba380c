/**
 * `hosts.NAME.runtime` (issue 18 §3): the target a host deploys with. `docker` is the default;
 * `systemd` is a plain server (issue 21); anything else is a located problem.
 */
import { describe, expect, it } from 'vitest';
import { parseTopologyText } from '../../../src/config/index.ts';
import { buildJsonSchema } from '../../../src/config/json-schema.ts';
import { runtimeOf } from '../../../src/model/topology.ts';
import { FIXTURE_FILE, problemsOf, yaml } from './helpers.ts';

/** A topology with one remote host, web1, whose entry ends with `runtimeLine` (if any). */
function withRuntime(...runtimeLine: string[]): string {
  return yaml(
    'project: t',
    'hosts:',
    '  web1:',
    '    ssh: root@203.0.113.10',
    ...runtimeLine,
    'services:',
    '  a: { image: nginx:1, host: web1 }',
  );
}

function load(text: string) {
  return parseTopologyText(text, FIXTURE_FILE, {}, { home: '/home/tester' });
}

describe('hosts.NAME.runtime', () => {
  it('accepts docker', () => {
    expect(load(withRuntime('    runtime: docker')).hosts.web1?.runtime).toBe('docker');
  });

  it('is docker when the host names none, and for the implicit local host', () => {
    const topology = load(withRuntime());
    expect(topology.hosts.web1?.runtime).toBe('docker');
    expect(runtimeOf(topology, 'web1')).toBe('docker');
    expect(runtimeOf(topology, 'local')).toBe('docker');
    // A host from the host store (provisioned, not in the file) runs docker too.
    expect(runtimeOf(topology, 'db1')).toBe('docker');
  });

  it('points runtime: swarm at clusters:, where a Swarm cluster is declared', () => {
    expect(problemsOf(withRuntime('    runtime: swarm'))).toEqual([
      '5:14 hosts.web1.runtime: expected "docker" or "systemd" or "pm2", got "swarm" — a Swarm cluster is declared under clusters: (managers, workers), and services name it in host:',
    ]);
  });

  it('accepts systemd and pm2', () => {
    expect(load(withRuntime('    runtime: systemd')).hosts.web1?.runtime).toBe('systemd');
    expect(load(withRuntime('    runtime: pm2')).hosts.web1?.runtime).toBe('pm2');
  });

  it('suggests docker for a typo', () => {
    expect(problemsOf(withRuntime('    runtime: dokcer'))).toEqual([
      '5:14 hosts.web1.runtime: expected "docker" or "systemd" or "pm2", got "dokcer" — did you mean "docker"?',
    ]);
  });

  it('names what it got when the value is not a runtime at all', () => {
    expect(problemsOf(withRuntime('    runtime: [docker]'))).toEqual([
      '5:14 hosts.web1.runtime: expected "docker" or "systemd" or "pm2", got a list',
    ]);
  });

  it('reports a wrong runtime together with the rules’ problems, the host still declared', () => {
    const text = withRuntime('    runtime: nomad').replace('host: web1', 'host: web2');
    expect(problemsOf(text)).toEqual([
      '5:14 hosts.web1.runtime: expected "docker" or "systemd" or "pm2", got "nomad"',
      '7:30 services.a.host: unknown host "web2" — did you mean "web1"?',
    ]);
  });

  it('allows firewall: true on a plain server only (issue 21), naming the key otherwise', () => {
    expect(load(withRuntime('    runtime: pm2', '    firewall: true')).hosts.web1?.firewall).toBe(
      true,
    );
    expect(load(withRuntime('    runtime: systemd')).hosts.web1?.firewall).toBe(false);
    expect(problemsOf(withRuntime('    firewall: true'))).toEqual([
      expect.stringMatching(
        /^\d+:\d+ hosts\.web1\.firewall: a firewall is kept by notesctl on runtime: systemd or pm2 only \(this host runs docker;/,
      ),
    ]);
  });

  it('is in the JSON Schema with docker, systemd and pm2 as its values', () => {
    const schema = JSON.stringify(buildJsonSchema());
    expect(schema).toContain('"runtime":{"description":');
    expect(schema).toContain('"enum":["docker","systemd","pm2"]');
  });
});
