// How a fake Droplet comes to life and goes away: "new" at once, "active" with its networks once
// `activateAfterMs` has passed AND onDropletCreated (if given) has reported the machine's address;
// onDropletDeleted runs when it is deleted, or when the fake closes with it still there.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FakeDroplet, FakeState } from './state.ts';

/** Test hooks that stand a real machine behind a Droplet. */
export interface DropletHooks {
  /** Milliseconds from create to "active" (at least). */
  activateAfterMs: number;
  /** Bring up the machine; its address becomes the Droplet's public IPv4. */
  onDropletCreated?: ((droplet: FakeDroplet) => Promise<{ ipv4: string }>) | undefined;
  /** Tear the machine down again. */
  onDropletDeleted?: ((droplet: FakeDroplet) => Promise<void>) | undefined;
}

/** A public address from TEST-NET-3 (RFC 5737): never routed, so nothing is ever reached by accident. */
function documentationAddress(id: number): string {
  return `203.0.113.${(id % 250) + 1}`;
}

/** Tracks the hooks in flight so tests and close() can wait for them. */
export class DropletLifecycle {
  readonly #state: FakeState;
  readonly #hooks: DropletHooks;
  readonly #abort = new AbortController();
  readonly #pending = new Set<Promise<unknown>>();
  /** Per Droplet: resolves once onDropletCreated succeeded, rejects if it failed. */
  readonly #created = new Map<number, Promise<unknown>>();

  constructor(state: FakeState, hooks: DropletHooks) {
    this.#state = state;
    this.#hooks = hooks;
  }

  #track(promise: Promise<unknown>): void {
    const tracked = promise.finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  /** Start bringing a just-created Droplet up. */
  begin(record: FakeDroplet): void {
    const id = record.droplet.id;
    const machine = this.#hooks.onDropletCreated
      ? this.#hooks.onDropletCreated(record)
      : Promise.resolve({ ipv4: documentationAddress(id) });
    this.#created.set(id, machine);
    const timer = sleep(this.#hooks.activateAfterMs, undefined, { signal: this.#abort.signal });
    this.#track(
      Promise.all([machine, timer]).then(
        ([{ ipv4 }]) => {
          if (this.#state.droplets.get(id) === record) activate(record, ipv4);
        },
        (error: unknown) => {
          if (this.#abort.signal.aborted) return;
          record.failure = error instanceof Error ? error.message : String(error);
        },
      ),
    );
  }

  /** A Droplet was deleted: once its machine is up (if it ever comes up), tear it down. */
  end(record: FakeDroplet): void {
    const machine = this.#created.get(record.droplet.id) ?? Promise.resolve();
    this.#created.delete(record.droplet.id);
    const onDeleted = this.#hooks.onDropletDeleted;
    if (onDeleted === undefined) return;
    this.#track(
      machine.then(
        () => onDeleted(record),
        () => undefined,
      ),
    );
  }

  /** Resolve once no hook is running. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Stop the timers and tear down every machine still standing behind a Droplet. */
  async close(): Promise<void> {
    this.#abort.abort();
    for (const record of this.#state.droplets.values()) this.end(record);
    await this.idle();
  }
}

/** Mark a Droplet active with a public and a private IPv4 (and IPv6 if it asked for it). */
function activate(record: FakeDroplet, ipv4: string): void {
  const { droplet } = record;
  const gateway = ipv4.replace(/\.\d+$/, '.1');
  droplet.status = 'active';
  droplet.networks.v4 = [
    {
      ip_address: `10.110.0.${(droplet.id % 250) + 2}`,
      netmask: '255.255.240.0',
      gateway: null,
      type: 'private',
    },
    { ip_address: ipv4, netmask: '255.255.255.0', gateway, type: 'public' },
  ];
  if (droplet.features.includes('ipv6')) {
    droplet.networks.v6 = [
      {
        ip_address: `2001:db8::${droplet.id.toString(16).slice(-4)}`,
        netmask: 64,
        gateway: '2001:db8::1',
        type: 'public',
      },
    ];
  }
}
