/**
 * `hosts rm` of a DigitalOcean host: delete what notesctl created for it — firewall, droplet,
 * SSH key — through the typed client; also the undo of a `provision digitalocean` that failed
 * half-way. Deletes that find nothing count as done, so a second run finishes what a failed one
 * left. Forgetting the host locally is ../remove-host.ts.
 */
import type { EventSink } from '../../apply/events.ts';
import { RuntimeError } from '../../errors.ts';
import type { DigitalOceanResources } from '../../hosts/store.ts';
import { reportStep } from '../report-step.ts';
import type { DigitalOceanClient } from './client.ts';

/** Delete a DigitalOcean host's droplet, firewall and key; every failure is listed with its id. */
export async function deleteDigitalOceanResources(
  name: string,
  resources: DigitalOceanResources,
  client: DigitalOceanClient,
  onEvent: EventSink,
): Promise<void> {
  const failures: string[] = [];
  const attempt = async (id: string, text: string, fn: () => Promise<string>) => {
    try {
      await reportStep(onEvent, id, text, fn, (outcome) => `${text}: ${outcome}`);
    } catch (error) {
      failures.push(`${text}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  // The firewall first: it refers to the droplet; then the droplet; the key last (a droplet
  // being created elsewhere with it would be unaffected anyway).
  if (resources.firewallId !== undefined) {
    const id = resources.firewallId;
    await attempt('firewall', `delete firewall ${id}`, () => client.deleteFirewall(id));
  }
  await attempt('droplet', `delete droplet ${resources.dropletId}`, () =>
    client.deleteDroplet(resources.dropletId),
  );
  if (resources.keyId !== undefined) {
    const id = resources.keyId;
    await attempt('key', `delete SSH key ${id}`, () => client.deleteKey(id));
  }
  if (failures.length > 0) {
    throw new RuntimeError(
      `host ${name}: ${failures.length} DigitalOcean resource(s) not deleted:\n  ${failures.join('\n  ')}`,
      {
        hint: `The host stays recorded; run \`notesctl hosts rm ${name}\` again, or delete them in the DigitalOcean control panel.`,
      },
    );
  }
}
