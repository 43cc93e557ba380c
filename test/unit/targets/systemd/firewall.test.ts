/** The firewall of a plain server (issue 21): asked for with `firewall: true`, planned with a cause. */
import { describe, expect, it } from 'vitest';
import { desiredSystemd } from '../../../../src/targets/systemd/desired.ts';
import { firewallScript } from '../../../../src/targets/systemd/firewall.ts';
import { reconcileSystemd } from '../../../../src/targets/systemd/reconcile.ts';
import { convergedServer, inputs, NODE_ARCHIVE, topology } from './fixtures.ts';

const OPTIONS = { forceRecreate: false, removeOrphans: false, wait: true };

function withFirewall() {
  const t = topology();
  const vps = t.hosts.vps;
  if (!vps) throw new Error('no vps');
  return { ...t, hosts: { vps: { ...vps, firewall: true } } };
}

function plan(t: ReturnType<typeof topology>, firewall: string[] | undefined) {
  const server = { ...convergedServer(topology()), firewall };
  return reconcileSystemd(desiredSystemd(inputs(t)), server, OPTIONS, {
    nodeArchive: NODE_ARCHIVE,
  });
}

describe("a plain server's firewall", () => {
  it('is not planned unless the host asks for it', () => {
    expect(plan(topology(), undefined).operations).toEqual([]);
  });

  it('admits the published ports once asked, then plans nothing until they change', () => {
    const t = withFirewall();
    expect(plan(t, undefined).operations.map((o) => `${o.id}: ${o.cause}`)).toEqual([
      'firewall: firewall: true',
    ]);
    expect(plan(t, undefined).operations[0]?.operation).toMatchObject({
      title: "admit only SSH and tcp 3000 through the host's firewall (nftables)",
    });
    expect(plan(t, ['tcp 3000']).operations).toEqual([]);
    expect(plan(t, ['tcp 3000', 'tcp 8080']).operations[0]?.cause).toBe('was: tcp 3000, tcp 8080');
  });

  it("forgets the project's ports when the key goes", () => {
    const [op] = plan(topology(), ['tcp 3000']).operations;
    expect(op?.operation).toMatchObject({
      title: "forget this project's ports in the host's firewall (firewall: false)",
    });
  });

  it('drops by default, keeps SSH open and checks the table before loading it', () => {
    const script = firewallScript('p', ['tcp 3000']);
    expect(script).toContain("printf '%s\\n' 'tcp 3000' > /etc/notesctl/p/firewall.ports");
    expect(script).toContain('type filter hook input priority filter; policy drop;');
    expect(script).toContain(`sshd -T`);
    expect(script.indexOf('nft -c -f')).toBeLessThan(script.indexOf('mv -f'));
  });
});
