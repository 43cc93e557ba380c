/** Where a remote engine lives: an SSH login and the Docker socket on that machine. */
import type { SshEndpoint } from '../../model/topology.ts';

// The type itself is the model's (see its comment); re-exported only for the importers that
// are not yet moved to src/model/topology.ts (src/provision/ssh/provision-host.ts and
// test/integration/remote-engine.test.ts). Remove once they import it from the model.
export type { SshEndpoint };

/** `user@host:port`, IPv6 addresses in brackets. */
export function describeEndpoint(
  endpoint: Pick<SshEndpoint, 'user' | 'hostname' | 'port'>,
): string {
  const host = endpoint.hostname.includes(':') ? `[${endpoint.hostname}]` : endpoint.hostname;
  return `${endpoint.user}@${host}:${endpoint.port}`;
}
