/**
 * The firewall of a plain server (issue 21), only when the host says `firewall: true`: one
 * nftables table, `inet notesctl`, whose input chain drops everything except loopback, replies,
 * ICMP, SSH and the ports the services of every notesctl project on the host publish (each
 * project records its own in /etc/notesctl/PROJECT/firewall.ports; the table is rebuilt from all
 * of them, in one transaction). A oneshot unit loads it again at boot. Without the key nothing is
 * written and services that do not publish bind 127.0.0.1 (desired.ts).
 */
import type { Topology } from '../../model/topology.ts';
import type { PlannedOperation } from '../../plan/types.ts';
import { ETC } from './names.ts';
import { shellQuote as q } from './quote.ts';
import { writeFile } from './scripts.ts';

/** Where a project records the ports it publishes (`tcp 3000` lines). */
export function firewallPorts(project: string): string {
  return `${ETC}/${project}/firewall.ports`;
}

/** The unit that loads the table at boot. */
export const FIREWALL_UNIT = 'notesctl-firewall.service';
const RULES = `${ETC}/firewall.nft`;

const UNIT = `# Written by notesctl: the nftables table of runtime: systemd/pm2 hosts with firewall: true.
[Unit]
Description=notesctl firewall (nftables table inet notesctl)
DefaultDependencies=no
Before=network-pre.target
Wants=network-pre.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/nft -f ${RULES}
ExecStop=/usr/sbin/nft delete table inet notesctl

[Install]
WantedBy=multi-user.target
`;

/** The ports the services of `host` publish (`tcp 3000`), sorted; an http: service's own port. */
export function publishedPorts(topology: Topology, host: string): string[] {
  const ports = Object.values(topology.services)
    .filter((s) => s.host === host)
    .flatMap((s) => [
      ...s.ports.map((p) => `${p.protocol} ${p.hostPort}`),
      ...(s.http ? [`tcp ${s.http.port}`] : []),
    ]);
  return [...new Set(ports)].sort();
}

/**
 * Record the project's ports (none: forget them), then rebuild the host's table from every
 * project's: SSH stays open (the ports sshd listens on and the one this session came in by), and
 * when no project asks any more, the table and its unit go.
 */
export function firewallScript(project: string, ports: string[] | undefined): string {
  const file = firewallPorts(project);
  const rules = [
    'table inet notesctl',
    'delete table inet notesctl',
    'table inet notesctl {',
    '  chain input {',
    '    type filter hook input priority filter; policy drop;',
    '    ct state established,related accept',
    '    ct state invalid drop',
    '    iifname "lo" accept',
    // ICMP and ICMPv6 by number: a minimal system has no /etc/protocols to name them.
    '    meta l4proto { 1, 58 } accept',
    '    tcp dport { $tcp } accept',
    '$udp_rule  }',
    '}',
  ].join('\n');
  return [
    'set -euo pipefail',
    ports === undefined
      ? `rm -f ${q(file)}`
      : `mkdir -p ${q(`${ETC}/${project}`)} && printf '%s\\n' ${ports.map(q).join(' ')} > ${q(file)}`,
    `all=$(cat ${ETC}/*/firewall.ports 2>/dev/null | sed '/^$/d' | sort -u || true)`,
    'if [ -z "$all" ]; then',
    `  systemctl disable --now --quiet ${FIREWALL_UNIT} 2>/dev/null || true`,
    `  nft delete table inet notesctl 2>/dev/null || true`,
    `  rm -f ${q(RULES)} /etc/systemd/system/${FIREWALL_UNIT}`,
    '  exit 0',
    'fi',
    'if ! command -v nft >/dev/null; then',
    '  export DEBIAN_FRONTEND=noninteractive',
    '  apt-get update -qq && apt-get install -y -qq --no-install-recommends nftables >/dev/null',
    'fi',
    `ssh=$( { sshd -T 2>/dev/null | awk '$1=="port"{print $2}'; echo "\${SSH_CONNECTION:-}" | awk 'NF==4{print $4}'; } )`,
    `tcp=$( { awk '$1=="tcp"{print $2}' <<<"$all"; echo "$ssh"; } | sed '/^$/d' | sort -un | paste -sd, | sed 's/,/, /g')`,
    `udp=$(awk '$1=="udp"{print $2}' <<<"$all" | sort -un | paste -sd, | sed 's/,/, /g')`,
    `udp_rule=""; [ -n "$udp" ] && udp_rule="    udp dport { $udp } accept"$'\\n'`,
    `cat > ${q(`${RULES}.new`)} <<EOF`,
    rules,
    'EOF',
    // Checked before it replaces anything: a bad table never locks the host out.
    `nft -c -f ${q(`${RULES}.new`)}`,
    `mv -f ${q(`${RULES}.new`)} ${q(RULES)}`,
    writeFile(`/etc/systemd/system/${FIREWALL_UNIT}`, UNIT, '0644'),
    'systemctl daemon-reload',
    `systemctl enable --quiet ${FIREWALL_UNIT}`,
    `systemctl restart ${FIREWALL_UNIT}`,
  ].join('\n');
}

/** The plan's firewall step: when the ports asked (`desired`) are not those recorded. */
export function firewallOperation(
  project: string,
  desired: string[] | undefined,
  observed: string[] | undefined,
): PlannedOperation | undefined {
  const ports = desired?.join(', ');
  const was = observed?.join(', ');
  if (ports === was) return undefined;
  return {
    id: 'firewall',
    operation: {
      kind: 'host-step',
      service: undefined,
      title:
        ports === undefined
          ? "forget this project's ports in the host's firewall (firewall: false)"
          : `admit only SSH and ${ports || 'no published port'} through the host's firewall (nftables)`,
      script: firewallScript(project, desired),
      input: undefined,
    },
    after: [],
    cause: was === undefined ? 'firewall: true' : `was: ${was || 'none'}`,
  };
}
