/**
 * The last step of `hosts rm`, for a host of any driver: forget it locally — its record,
 * notesctl's known_hosts entries for it, the SSH key generated for it. The server is left as it
 * is (a droplet is deleted before, by ./digitalocean/destroy.ts).
 */
import { rm } from 'node:fs/promises';
import type { EventSink } from '../apply/events.ts';
import { forgetHostKeys, knownHostsFiles } from '../engine/ssh/known-hosts-files.ts';
import { removeHost, type HostRecord } from '../hosts/store.ts';
import { reportStep } from './report-step.ts';

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
