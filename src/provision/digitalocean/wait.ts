/**
 * Waiting for a new Droplet to boot: DigitalOcean answers a create with status "new" and no
 * addresses, and reports "active" with its public IPv4 once it is up. We poll with a growing
 * interval (start fast, since small Droplets are often up within a minute, then back off to
 * spare the rate limit) until a deadline.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RuntimeError } from '../../errors.ts';
import { isNotFound } from './errors.ts';
import type { Droplet } from './types.ts';

/** How to wait. */
export interface WaitForActiveOptions {
  /** Give up after this long (default 5 minutes). */
  timeoutMs?: number;
  /** First interval between polls (default 2 s); multiplied by 1.5 after each poll. */
  pollIntervalMs?: number;
  /** Longest interval between polls (default 15 s). */
  maxPollIntervalMs?: number;
  /** Called after every poll with what DigitalOcean reported. */
  onProgress?: (progress: { droplet: Droplet; elapsedMs: number; polls: number }) => void;
  signal?: AbortSignal | undefined;
}

/** The Droplet's public IPv4 address, once it has one. */
export function publicIpv4(droplet: Droplet): string | undefined {
  return droplet.networks.v4.find((network) => network.type === 'public')?.ip_address;
}

/** Poll `getDroplet(id)` until it is active with a public IPv4; resolve to that address. */
export async function waitForActive(
  getDroplet: (id: number, signal?: AbortSignal) => Promise<Droplet>,
  id: number,
  options: WaitForActiveOptions = {},
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const maxInterval = options.maxPollIntervalMs ?? 15_000;
  let interval = Math.min(options.pollIntervalMs ?? 2000, maxInterval);
  const started = Date.now();
  const deadline = started + timeoutMs;
  for (let polls = 1; ; polls++) {
    let droplet: Droplet;
    try {
      droplet = await getDroplet(id, options.signal);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      throw new RuntimeError(`droplet ${id} disappeared while waiting for it to become active`, {
        hint: 'it was deleted (from the control panel or another run); provision the host again',
        cause: error,
      });
    }
    options.onProgress?.({ droplet, elapsedMs: Date.now() - started, polls });
    const address = publicIpv4(droplet);
    if (droplet.status === 'active' && address !== undefined) return address;
    if (droplet.status === 'off' || droplet.status === 'archive') {
      throw new RuntimeError(`droplet ${id} (${droplet.name}) is "${droplet.status}", not booting`);
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const what =
        droplet.status === 'active' ? 'active but has no public IPv4' : `still "${droplet.status}"`;
      throw new RuntimeError(
        `droplet ${id} (${droplet.name}) is ${what} after ${(timeoutMs / 1000).toFixed(timeoutMs < 10_000 ? 1 : 0)} s`,
        {
          hint: `look at it in the control panel (https://cloud.digitalocean.com/droplets/${id}); it keeps costing money until deleted`,
        },
      );
    }
    await sleep(Math.min(interval, left), undefined, { signal: options.signal });
    interval = Math.min(maxInterval, Math.round(interval * 1.5));
  }
}
