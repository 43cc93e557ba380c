/**
 * Making sure the cluster's other Droplets admit a new member (issue 20). Their firewalls name
 * the cluster's tag as the source of the swarm ports, so a newly tagged Droplet is admitted
 * without touching them — provided each one has those rules. This reads the firewalls applied to
 * every Droplet that carries the tag and adds the missing rules to the one notesctl created for
 * it; a Droplet without such a firewall is reported, never changed.
 */
import type { EventSink } from '../../apply/events.ts';
import { reportStep } from '../report-step.ts';
import type { DigitalOceanClient } from './client.ts';
import { describeInboundRule, missingSwarmRules } from './cluster-firewall.ts';
import { dropletName } from './plan.ts';
import type { Droplet } from './types.ts';

/** What the check found: the cluster's other Droplets, and the rules added to their firewalls. */
export interface MembersAdmitted {
  members: Droplet[];
  /** `droplet name: rule` for each rule added. */
  added: string[];
  /** Droplets whose firewalls lack rules notesctl did not add (no notesctl firewall on them). */
  unfixed: string[];
}

async function admitOne(
  client: DigitalOceanClient,
  droplet: Droplet,
  tag: string,
  result: MembersAdmitted,
): Promise<void> {
  const firewalls = await client.listDropletFirewalls(droplet.id);
  const missing = missingSwarmRules(firewalls, tag);
  if (missing.length === 0) return;
  // The firewall `provision digitalocean` made for it is named after the Droplet (plan.ts).
  const ours = firewalls.find((f) => f.name === `notesctl-${dropletName(droplet.name)}`);
  if (ours === undefined) {
    result.unfixed.push(`${droplet.name} (${droplet.id})`);
    return;
  }
  await client.addFirewallRules(ours.id, missing);
  result.added.push(...missing.map((rule) => `${droplet.name}: ${describeInboundRule(rule)}`));
}

function describeOutcome(r: MembersAdmitted): string {
  if (r.members.length === 0) return 'no other droplet carries the tag yet';
  const found = `${r.members.length} other droplet(s) carry the tag`;
  if (r.added.length > 0) return `${found}; swarm rules added: ${r.added.join('; ')}`;
  if (r.unfixed.length > 0) return `${found}; ${r.unfixed.length} without notesctl's firewall`;
  return `${found}; every one admits the swarm ports from the tag`;
}

/**
 * Topology members of the cluster that the new Droplet's firewall will not admit: hosts that are
 * not Droplets, or Droplets (by their record) that do not carry the cluster's tag.
 */
export function membersOutsideTag(
  others: { name: string; dropletId?: number | undefined }[],
  tagged: Droplet[],
): string[] {
  const ids = new Set(tagged.map((d) => d.id));
  return others
    .filter((m) => m.dropletId === undefined || !ids.has(m.dropletId))
    .map((m) => m.name);
}

/** Check (and complete) the swarm rules of every Droplet tagged `tag` but `newDropletId`. */
export async function admitClusterMembers(
  client: DigitalOceanClient,
  tag: string,
  newDropletId: number,
  onEvent: EventSink,
): Promise<MembersAdmitted> {
  const check = async (): Promise<MembersAdmitted> => {
    const tagged = await client.listDropletsByTag(tag);
    const members = tagged.filter((d) => d.id !== newDropletId);
    const result: MembersAdmitted = { members, added: [], unfixed: [] };
    await Promise.all(members.map((d) => admitOne(client, d, tag, result)));
    return result;
  };
  const result = await reportStep(
    onEvent,
    'cluster',
    `check that the droplets tagged ${tag} admit the swarm ports from it`,
    check,
    describeOutcome,
  );
  for (const droplet of result.unfixed) {
    onEvent({
      type: 'note',
      text: `droplet ${droplet} is tagged ${tag} but has no firewall notesctl created, and none of its firewalls admits the swarm ports from that tag: add those rules to its firewall yourself`,
    });
  }
  return result;
}
