/** Where a remote engine lives: an SSH login and the Docker socket on that machine. */

/** A remote host as the SSH transport needs it (the topology's SshHost has this shape). */
export interface SshEndpoint {
  /** The host's name in notesctl (topology or host store), for messages. */
  name: string;
  user: string;
  hostname: string;
  port: number;
  /** Private key file to log in with; else ssh-agent, else ~/.ssh/id_*. */
  identity: string | undefined;
  /** Docker socket on the remote machine. */
  socket: string;
}

/** `user@host:port`, IPv6 addresses in brackets. */
export function describeEndpoint(
  endpoint: Pick<SshEndpoint, 'user' | 'hostname' | 'port'>,
): string {
  const host = endpoint.hostname.includes(':') ? `[${endpoint.hostname}]` : endpoint.hostname;
  return `${endpoint.user}@${host}:${endpoint.port}`;
}
