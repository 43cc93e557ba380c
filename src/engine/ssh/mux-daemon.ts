/**
 * The background process of a persistent connection (see persist.ts): one SSH connection, a
 * private unix socket, one channel to the remote Docker socket per client connection. Never
 * prompts (the command that started it already verified the host key and recorded it); exits
 * after the idle time, or at once when the link breaks, removing its socket either way.
 */
import { chmod, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { SshChannelAgent } from './channel-agent.ts';
import type { ChannelSocket } from './channel-socket.ts';
import { connectSsh } from './connect.ts';
import type { MuxSpec } from './persist.ts';

const spec = JSON.parse(process.argv[2] ?? '{}') as MuxSpec;

const link = await connectSsh(spec.endpoint, {
  env: process.env,
  passphrase: undefined,
  hostKeys: { files: spec.knownHosts, acceptNew: false, ask: undefined, note: () => undefined },
});
const agent = new SshChannelAgent(link, spec.endpoint.socket);
const clients = new Set<Socket>();
let idleTimer: NodeJS.Timeout | undefined;

/**
 * Channels opened ahead of need, so a command's first requests (up makes five at once) skip the
 * round trip of opening one. Idle, each is an open connection to the remote Docker socket; one
 * that closes meanwhile is dropped, and the pool is topped up whenever a channel is taken.
 */
const SPARE_CHANNELS = 5;
const spares: ChannelSocket[] = [];
let opening = 0;

const topUp = (): void => {
  while (spares.length + opening < SPARE_CHANNELS && !link.lost()) {
    opening += 1;
    agent.openSocket().then(
      (channel) => {
        opening -= 1;
        const drop = () => {
          const at = spares.indexOf(channel);
          if (at >= 0) spares.splice(at, 1);
        };
        channel.on('error', () => channel.destroy());
        channel.once('close', drop);
        spares.push(channel);
      },
      () => (opening -= 1),
    );
  }
};

const takeChannel = (): Promise<ChannelSocket> => {
  let channel = spares.shift();
  while (channel?.destroyed) channel = spares.shift();
  topUp();
  return channel ? Promise.resolve(channel) : agent.openSocket();
};

const shutdown = async (): Promise<void> => {
  server.close();
  for (const client of clients) client.destroy();
  for (const channel of spares) channel.destroy();
  await rm(spec.socketPath, { force: true });
  await link.close({ waitForServer: true });
  process.exit(0);
};

const armIdle = (): void => {
  if (idleTimer) clearTimeout(idleTimer);
  if (clients.size === 0) idleTimer = setTimeout(() => void shutdown(), spec.idleMs);
};

// Half-open allowed: a client that closes its writing side (`docker run` without stdin, `docker
// exec -i` at the end of its input) still gets the rest of the answer.
const server = createServer({ allowHalfOpen: true }, (client) => {
  clients.add(client);
  if (idleTimer) clearTimeout(idleTimer);
  client.once('close', () => {
    clients.delete(client);
    armIdle();
  });
  client.on('error', () => client.destroy());
  takeChannel().then(
    (channel) => {
      channel.on('error', () => client.destroy());
      client.once('close', () => channel.destroy());
      channel.once('close', () => client.destroy());
      client.pipe(channel).pipe(client);
    },
    () => client.destroy(),
  );
});

// Another command's daemon won the race for the socket: leave it to that one.
server.on('error', () => void link.close().then(() => process.exit(0)));
link.onLost(() => void shutdown());
process.on('SIGTERM', () => void shutdown());
// Private from the first moment: the socket is created under umask 077, then checked to 0600.
process.umask(0o077);
server.listen(spec.socketPath, () => {
  void chmod(spec.socketPath, 0o600);
  armIdle();
  topUp();
});
