/** Where a remote engine lives: an SSH login and the Docker socket on that machine. */
import type { SshEndpoint } from '../../model/topology.ts';

/** `user@host:port`, IPv6 addresses in brackets. */
export function describeEndpoint(
  endpoint: Pick<SshEndpoint, 'user' | 'hostname' | 'port'>,
): string {
  const host = endpoint.hostname.includes(':') ? `[${endpoint.hostname}]` : endpoint.hostname;
  return `${endpoint.user}@${host}:${endpoint.port}`;
}
