/**
 * The remote engine transport (issue 6): one SSH connection per host per command, every Docker
 * API request a channel of it. DockerEngine takes the result as its Transport; engine.close()
 * ends the connection.
 */
import type { Transport } from '../docker-engine.ts';
import { SshChannelAgent } from './channel-agent.ts';
import { connectSsh, type SshConnectOptions, type SshLink } from './connect.ts';
import type { SshEndpoint } from '../../model/topology.ts';
import { describeEndpoint } from './endpoint.ts';

/** An open SSH transport: the Transport for DockerEngine plus the link and agent behind it. */
export interface SshTransport {
  transport: Transport & { kind: 'agent' };
  link: SshLink;
  agent: SshChannelAgent;
}

/** Connect to `endpoint` and wrap the connection as a DockerEngine transport. */
export async function openSshTransport(
  endpoint: SshEndpoint,
  options: SshConnectOptions,
): Promise<SshTransport> {
  const link = await connectSsh(endpoint, options);
  return sshTransportOver(link);
}

/** A transport over an already open link (provisioning reuses its connection for the check). */
export function sshTransportOver(link: SshLink): SshTransport {
  const agent = new SshChannelAgent(link, link.endpoint.socket);
  return {
    link,
    agent,
    transport: {
      kind: 'agent',
      agent,
      describe: `${link.endpoint.socket} on ${describeEndpoint(link.endpoint)} (SSH)`,
      close: async () => {
        agent.destroy();
        await link.close();
      },
    },
  };
}
