/**
 * The Cloud Firewall side of `provision digitalocean --cluster` (issue 20), pure: the tag that
 * marks a cluster's Droplets, the inbound rules that admit the swarm ports from that tag only,
 * and which of those rules a member's firewalls lack. Sources are the *tag*, not addresses, so a
 * Droplet tagged later is admitted by every member's firewall at once, with no update to them.
 */
import { SWARM_PORTS } from '../cluster-intent.ts';
import type { Firewall, InboundRule } from './types.ts';

/**
 * Why ESP cannot be admitted, said at provision time and in the docs: DigitalOcean's firewall
 * rules take protocol tcp, udp or icmp (API reference, "Create a New Firewall"), and a Cloud
 * Firewall drops every inbound packet no rule admits — so IP protocol 50 never arrives.
 */
export const ESP_NOTE =
  'DigitalOcean Cloud Firewalls admit only tcp, udp and icmp: ESP (IP protocol 50), which encrypted overlays carry their traffic in, cannot be admitted between the droplets — `notesctl up` probes each overlay and fails on an encrypted one; set `encrypted: false` on the networks of services placed on this cluster';

/**
 * The tag of cluster `cluster` of project `project`: `notesctl-cluster-<project>:<cluster>`.
 * Tags allow letters, digits, `_`, `-` and `:`; a project name has no `:` (nor `.`), so the first
 * `:` ends it, and a `.` in the cluster name becomes `:` — two clusters never share a tag, and
 * the same cluster name in two projects on one account gives two tags.
 */
export function clusterTag(project: string, cluster: string): string {
  return `notesctl-cluster-${project}:${cluster.replaceAll('.', ':')}`;
}

/** Inbound rules admitting every swarm port from the Droplets tagged `tag`, and only from them. */
export function swarmInboundRules(tag: string): InboundRule[] {
  const seen = new Set<string>();
  const rules: InboundRule[] = [];
  for (const { port, protocol } of SWARM_PORTS) {
    const key = `${protocol}/${port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rules.push({ protocol, ports: String(port), sources: { tags: [tag] } });
  }
  return rules;
}

/** Whether a rule's `ports` (a port, a range `low-high`, or `0` for all) include `port`. */
function covers(ports: string | undefined, port: number): boolean {
  if (ports === undefined || ports === '0') return true;
  const [low = NaN, high = low] = ports.split('-').map(Number);
  return low <= port && port <= high;
}

/** The swarm rules that none of `firewalls` (all applied to one Droplet) has for `tag`. */
export function missingSwarmRules(firewalls: Firewall[], tag: string): InboundRule[] {
  const admits = (rule: InboundRule) =>
    firewalls.some((firewall) =>
      firewall.inbound_rules.some(
        (have) =>
          have.protocol === rule.protocol &&
          covers(have.ports, Number(rule.ports)) &&
          (have.sources.tags ?? []).includes(tag),
      ),
    );
  return swarmInboundRules(tag).filter((rule) => !admits(rule));
}

/** A rule as text for plans and tests: `tcp/2377 from tag notesctl-cluster-p:prod`. */
export function describeInboundRule(rule: InboundRule): string {
  const from = [
    ...(rule.sources.addresses ?? []),
    ...(rule.sources.tags ?? []).map((tag) => `tag ${tag}`),
    ...(rule.sources.droplet_ids ?? []).map((id) => `droplet ${id}`),
  ];
  return `${rule.protocol}/${rule.ports ?? '0'} from ${from.join(', ')}`;
}
