/**
 * `hosts rm`: delete what notesctl created for a host (for DigitalOcean: droplet, firewall, SSH
 * key — through the typed client) and forget it (record, known_hosts entries, generated key).
 * Deletes that find nothing count as done, so a second run finishes what a failed one left.
 */
import { rm } from 'node:fs/promises';
import type { EventSink } from '../apply/events.ts';
import { forgetHostKeys, knownHostsFiles } from '../engine/ssh/known-hosts-files.ts';
import { RuntimeError } from '../errors.ts';
import type { DigitalOceanClient } from '../provision/digitalocean/client.ts';
import { removeHost, type DigitalOceanResources, type HostRecord } from './store.ts';

async function reported(
  onEvent: EventSink,
  id: string,
  text: string,
  fn: () => Promise<string>,
): Promise<void> {
  const started = Date.now();
  onEvent({ type: 'op-start', id, service: undefined, text });
  try {
    const outcome = await fn();
    onEvent({ type: 'op-done', id, text: `${text}: ${outcome}`, ms: Date.now() - started });
  } catch (error) {
    onEvent({
      type: 'op-failed',
      id,
      text,
      error: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
}

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
      await reported(onEvent, id, text, fn);
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

/** Forget a host locally: its record, notesctl's known_hosts entries, its generated key. */
export async function forgetHost(record: HostRecord, onEvent: EventSink): Promise<void> {
  await reported(onEvent, 'forget', `forget host ${record.name}`, async () => {
    const keys = await forgetHostKeys(knownHostsFiles(), record.hostname, record.port);
    const keyPath = record.digitalocean?.keyPath;
    if (keyPath !== undefined)
      await rm(keyPath, { force: true }).then(() => rm(`${keyPath}.pub`, { force: true }));
    await removeHost(record.name);
    return [
      'record removed',
      keys ? 'host key removed from known_hosts' : undefined,
      keyPath !== undefined ? 'generated SSH key deleted' : undefined,
    ]
      .filter(Boolean)
      .join(', ');
  });
}
