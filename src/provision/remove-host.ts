/**
 * `hosts rm`'s work: delete what notesctl created for a host on DigitalOcean
 * (./digitalocean/destroy.ts), then, for a host of any driver, forget it locally — its record,
 * notesctl's known_hosts entries for it, the SSH key generated for it. A server notesctl did not
 * create is left as it is.
 */
import { rm } from 'node:fs/promises';
import type { EventSink } from '../apply/events.ts';
import { forgetHostKeys, knownHostsFiles } from '../engine/ssh/known-hosts-files.ts';
import { removeHost, type HostRecord } from '../hosts/store.ts';
import type { DigitalOceanClient } from './digitalocean/client.ts';
import { deleteDigitalOceanResources } from './digitalocean/destroy.ts';
import { reportStep } from './report-step.ts';

/**
 * Remove a recorded host: its DigitalOcean resources if notesctl created them (`connect` is
 * called only then, as it may ask for a token), then its local traces.
 */
export async function removeRecordedHost(
  record: HostRecord,
  connect: () => Promise<DigitalOceanClient>,
  onEvent: EventSink,
): Promise<void> {
  if (record.digitalocean)
    await deleteDigitalOceanResources(record.name, record.digitalocean, await connect(), onEvent);
  await forgetHost(record, onEvent);
}

/** Forget a host locally: its record, notesctl's known_hosts entries, its generated key. */
export async function forgetHost(record: HostRecord, onEvent: EventSink): Promise<void> {
  const text = `forget host ${record.name}`;
  const forget = async () => {
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
  };
  await reportStep(onEvent, 'forget', text, forget, (outcome) => `${text}: ${outcome}`);
}
