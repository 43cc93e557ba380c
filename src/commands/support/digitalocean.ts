/**
 * A DigitalOcean API client for a command: the API address from the environment (a fake's in
 * tests), and, given a sink, each retry said as a note in the progress output.
 */
import type { EventSink } from '../../apply/events.ts';
import { apiUrlFromEnv, DigitalOceanClient } from '../../provision/digitalocean/client.ts';

/** A client calling DigitalOcean with `token`; retries are reported to `onEvent` if given. */
export function digitalOceanClient(token: string, onEvent?: EventSink): DigitalOceanClient {
  const baseUrl = apiUrlFromEnv(process.env);
  if (!onEvent) return new DigitalOceanClient({ token, baseUrl });
  return new DigitalOceanClient({
    token,
    baseUrl,
    onRetry: (retry) =>
      onEvent({
        type: 'note',
        text: `DigitalOcean ${retry.method} ${retry.path}: ${retry.reason}; retrying in ${(retry.delayMs / 1000).toFixed(1)} s`,
      }),
  });
}
