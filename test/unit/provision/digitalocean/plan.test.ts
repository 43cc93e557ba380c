import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeProxySettings, makeService } from '../../../support/model-fixtures.ts';
import { UsageError } from '../../../../src/errors.ts';
import type { PortMapping, Service } from '../../../../src/model/topology.ts';
import {
  readCloudInitTemplate,
  renderCloudInit,
} from '../../../../src/provision/digitalocean/cloud-init.ts';
import {
  dropletName,
  hostTag,
  planDroplet,
  planFirewall,
  publishedPorts,
} from '../../../../src/provision/digitalocean/plan.ts';

// Golden files hold the exact request bodies (compared as JSON, so Prettier may lay them out);
// after an intended change, regenerate them with UPDATE_GOLDEN=1 and review the diff.
function expectGolden(name: string, value: unknown): void {
  const file = new URL(`./golden/${name}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  expect(value).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

function port(hostPort: number, protocol: 'tcp' | 'udp' = 'tcp', hostIp?: string): PortMapping {
  return { hostIp, hostPort, containerPort: hostPort, protocol };
}

function service(name: string, host: string, ports: PortMapping[]): Service {
  return makeService(name, { host, ports });
}

const SERVICES: Record<string, Service> = {
  notes: service('notes', 'web-1', [port(80), port(3000)]),
  userauth: service('userauth', 'web-1', [port(5858, 'tcp', '127.0.0.1')]),
  metrics: service('metrics', 'web-1', [port(8125, 'udp'), port(80)]),
  db: service('db', 'db-1', [port(3306)]),
};

describe('publishedPorts', () => {
  it('lists the ports published on one host, once each, leaving out loopback-only ones', () => {
    expect(publishedPorts(SERVICES, 'web-1')).toEqual([
      { port: 80, protocol: 'tcp' },
      { port: 3000, protocol: 'tcp' },
      { port: 8125, protocol: 'udp' },
    ]);
    expect(publishedPorts(SERVICES, 'db-1')).toEqual([{ port: 3306, protocol: 'tcp' }]);
    expect(publishedPorts(SERVICES, 'nowhere')).toEqual([]);
  });

  it("adds the edge proxy's HTTP and HTTPS ports on a host with an http: service (issue 19)", () => {
    const web = makeService('web', {
      host: 'web-1',
      http: { hosts: [], port: 3000, path: '/', tls: { kind: 'off' }, drainTimeoutMs: 30_000 },
    });
    const proxy = makeProxySettings({ httpPort: 80, httpsPort: 443 });
    expect(publishedPorts({ ...SERVICES, web }, 'web-1', proxy)).toEqual([
      { port: 80, protocol: 'tcp' },
      { port: 443, protocol: 'tcp' },
      { port: 3000, protocol: 'tcp' },
      { port: 8125, protocol: 'udp' },
    ]);
    // Without a web service there, the proxy's ports stay closed.
    expect(publishedPorts(SERVICES, 'db-1', proxy)).toEqual([{ port: 3306, protocol: 'tcp' }]);
  });
});

describe('names and tags', () => {
  it('tags by host name, mapping the "." DigitalOcean tags refuse to ":"', () => {
    expect(hostTag('web-1')).toBe('notesctl-host-web-1');
    expect(hostTag('eu.web_1')).toBe('notesctl-host-eu:web_1');
    expect(hostTag('eu.web')).not.toBe(hostTag('eu-web'));
  });

  it('names the Droplet with the characters DigitalOcean allows', () => {
    expect(dropletName('web_1')).toBe('web-1');
    expect(dropletName('db.eu-')).toBe('db.eu');
    expect(() => dropletName('bad name')).toThrow(UsageError);
  });
});

describe('planDroplet', () => {
  it('asks for the size, region and image, the key, both tags and the rendered cloud-init', async () => {
    const plan = planDroplet({
      hostName: 'web-1',
      region: 'fra1',
      size: 's-1vcpu-1gb',
      image: 'ubuntu-24-04-x64',
      sshKeyId: 41_000_001,
      cloudInitTemplate: await readCloudInitTemplate(),
    });
    expectGolden('droplet-web-1.json', plan);
  });

  it('renders cloud-init that installs docker.io and hardens sshd', async () => {
    const userData = renderCloudInit(await readCloudInitTemplate(), { host_name: 'web-1' });
    expect(userData.startsWith('#cloud-config\n')).toBe(true);
    const config = parse(userData) as {
      packages: string[];
      write_files: { path: string; content: string }[];
      runcmd: string[];
      ssh_pwauth: boolean;
    };
    expect(config.packages).toEqual(['docker.io']);
    expect(config.runcmd).toContain('systemctl enable --now docker');
    expect(config.ssh_pwauth).toBe(false);
    const sshd = config.write_files.find((file) => file.path.startsWith('/etc/ssh/sshd_config.d/'));
    expect(sshd?.content.split('\n')).toEqual(
      expect.arrayContaining([
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
      ]),
    );
    expect(userData).not.toMatch(/\{\{/);
  });

  it('refuses a template placeholder it has no value for', () => {
    expect(() =>
      renderCloudInit('#cloud-config\nhostname: {{fqdn}}\n', { host_name: 'a' }),
    ).toThrow(/no value for \{\{fqdn\}\}/);
  });

  it('refuses user data over 64 KiB', () => {
    const template = `#cloud-config\n# ${'x'.repeat(65 * 1024)}\n`;
    expect(() =>
      planDroplet({
        hostName: 'a',
        region: 'fra1',
        size: 's-1vcpu-1gb',
        image: 'debian-12-x64',
        sshKeyId: 1,
        cloudInitTemplate: template,
      }),
    ).toThrow(/at most 64 KiB/);
  });
});

describe('planFirewall', () => {
  it('admits SSH and the published ports from anywhere, and lets everything out', () => {
    const plan = planFirewall({
      hostName: 'web-1',
      ports: publishedPorts(SERVICES, 'web-1'),
      dropletIds: [510_000_001],
    });
    expectGolden('firewall-web-1.json', plan);
  });

  it('opens 22 once even when the topology publishes it', () => {
    const plan = planFirewall({
      hostName: 'db-1',
      ports: [{ port: 22, protocol: 'tcp' }],
      dropletIds: [],
    });
    expect(plan.inbound_rules.map((rule) => `${rule.protocol}/${rule.ports ?? ''}`)).toEqual([
      'tcp/22',
    ]);
  });

  it('refuses a port outside 1-65535', () => {
    expect(() =>
      planFirewall({ hostName: 'a', ports: [{ port: 70_000, protocol: 'tcp' }], dropletIds: [] }),
    ).toThrow(/70000 is not in 1-65535/);
  });
});
