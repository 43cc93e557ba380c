/**
 * One SSH connection to a host (issue 6): host key verified during the key exchange, key-only
 * login, keepalives so a dead link is noticed within ~20 s. Every engine request of a command
 * then runs as a channel of this one connection (see channel-agent.ts).
 */
import { connect, type Socket } from 'node:net';
import type { Client, ConnectConfig } from 'ssh2';
import { EngineError } from '../../errors.ts';
import type { SshEndpoint } from '../../model/topology.ts';
import { describeEndpoint } from './endpoint.ts';
import { prepareHostKeyCheck, type HostKeyPolicy } from './host-key-check.ts';
import { loginMethods, type PassphrasePrompt } from './identity.ts';
import { signWithoutQuery } from './direct-sign.ts';
import { canLoginEarly, loginWithoutWaitingForService } from './early-login.ts';
import { identifyEarly } from './early-ident.ts';
import { ssh2 } from './ssh2.ts';

/** How to connect. */
export interface SshConnectOptions {
  hostKeys: HostKeyPolicy;
  passphrase: PassphrasePrompt;
  env?: NodeJS.ProcessEnv;
  /** Deadline for TCP + handshake + login, not counting time spent waiting for the operator. */
  timeoutMs?: number;
  /** SSH keepalive period; the link counts as lost after `keepaliveCountMax` unanswered. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** ssh2's protocol trace, one line per event (never key material); for tests and debugging. */
  debug?: (line: string) => void;
  /**
   * Called once the handshake is under way and the files it needs are read: what the caller
   * starts then overlaps the round trips instead of following them.
   */
  onConnecting?: () => void;
}

/** Keepalive defaults: a silent link is declared lost after 5 s × (3 + 1) = 20 s at most. */
export const KEEPALIVE_INTERVAL_MS = 5000;
/** Unanswered keepalives tolerated before the link counts as lost. */
export const KEEPALIVE_COUNT_MAX = 3;

/** An open SSH connection. */
export interface SshLink {
  readonly endpoint: SshEndpoint;
  readonly client: Client;
  /** Set once the connection broke (not when we closed it). */
  lost(): EngineError | undefined;
  /** Register a callback for when the link breaks. */
  onLost(listener: (error: EngineError) => void): void;
  /**
   * Close the connection (idempotent). By default the socket goes as soon as DISCONNECT and our FIN
   * are sent; with `waitForServer`, only once the server has closed its side too (capped at 2 s),
   * so that its last messages are read rather than answered with a TCP reset.
   */
  close(options?: { waitForServer?: boolean }): Promise<void>;
}

const NETWORK_HINTS: Record<string, string> = {
  ECONNREFUSED: 'Nothing listens for SSH there: check the address and port, and that sshd runs.',
  EHOSTUNREACH: 'The host is unreachable: check the address and the network.',
  ENETUNREACH: 'The network is unreachable from here.',
  ENOTFOUND: 'The host name does not resolve: check it.',
  ETIMEDOUT: 'No answer: check the address, the port and firewalls.',
};

/** Connect and log in; throws a NotesctlError naming the host on any failure. */
export async function connectSsh(
  endpoint: SshEndpoint,
  options: SshConnectOptions,
): Promise<SshLink> {
  const env = options.env ?? process.env;
  const where = describeEndpoint(endpoint);
  const failure = (message: string, hint?: string, cause?: unknown) =>
    new EngineError({ host: endpoint.name, operation: `connect over SSH to ${where}` }, message, {
      hint,
      cause,
    });

  // Our own socket, opened first: the TCP handshake and the server's greeting travel while the
  // key and known_hosts are read and ssh2 loads. ssh2's destroy() does nothing once the socket is
  // half-closed, and a server (or a middlebox) that never finishes closing must not keep the
  // command alive. No Nagle: requests are small and latency-bound.
  const sock = connect({ host: endpoint.hostname, port: endpoint.port, noDelay: true });
  const ident = identifyEarly(sock);
  let early: (Error & { code?: string }) | undefined;
  const onEarlyError = (error: Error) => (early ??= error);
  sock.on('error', onEarlyError);
  let login: Awaited<ReturnType<typeof loginMethods>>;
  let check: Awaited<ReturnType<typeof prepareHostKeyCheck>>;
  try {
    login = await loginMethods(endpoint.user, endpoint.identity, env, options.passphrase);
    if (login.methods.length === 0) {
      throw failure(
        'no SSH key to log in with',
        'Set `identity:` for the host in the topology, pass --identity, or load a key into ssh-agent (SSH_AUTH_SOCK).',
      );
    }
    check = await prepareHostKeyCheck(endpoint, options.hostKeys);
  } catch (error) {
    sock.destroy();
    throw error;
  }
  if (early) {
    sock.destroy();
    const hint = early.code === undefined ? undefined : NETWORK_HINTS[early.code];
    throw failure(early.message, hint, early);
  }
  const client = new (ssh2().Client)();
  const timeoutMs = options.timeoutMs ?? 20_000;
  let asking = false;
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const armTimer = () => {
    timer = setTimeout(() => {
      timedOut = true;
      sock.destroy();
    }, timeoutMs);
  };

  const config: ConnectConfig = {
    sock,
    username: endpoint.user,
    // Our own deadline (armTimer) pauses while the operator reads a fingerprint; ssh2's cannot.
    readyTimeout: 0,
    keepaliveInterval: options.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: options.keepaliveCountMax ?? KEEPALIVE_COUNT_MAX,
    ident,
    authHandler: login.methods,
    ...(options.debug ? { debug: options.debug } : {}),
    // No hostHash: the verifier gets the raw key blob and compares it with known_hosts itself.
    hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
      if (timer) clearTimeout(timer);
      asking = true;
      void check.verify(key).then((ok) => {
        asking = false;
        if (ok) armTimer();
        verify(ok);
      });
    },
    ...(check.preferredAlgorithms.length > 0
      ? {
          algorithms: {
            serverHostKey: {
              remove: check.preferredAlgorithms,
              prepend: check.preferredAlgorithms,
            } as never,
          },
        }
      : {}),
  };

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error & { level?: string; code?: string }) => {
      if (timer) clearTimeout(timer);
      client.removeListener('ready', onReady);
      sock.destroy();
      const refusal = check.refusal();
      if (refusal) return reject(refusal);
      if (timedOut && !asking)
        return reject(
          failure(
            `no SSH handshake within ${timeoutMs / 1000} s`,
            'Check the address and port; a firewall may drop the packets.',
          ),
        );
      if (error.level === 'client-authentication') {
        return reject(
          failure(
            `the server refused every key tried (${login.tried.join(', ')})`,
            `Check the user name "${endpoint.user}" and that the public key is in ~${endpoint.user}/.ssh/authorized_keys on the server.`,
            error,
          ),
        );
      }
      const hint = error.code === undefined ? undefined : NETWORK_HINTS[error.code];
      reject(failure(error.message, hint, error));
    };
    const onClose = () => {
      if (timedOut) onError(new Error('timed out'));
      else onError(new Error('the server closed the connection during the handshake'));
    };
    const onReady = () => {
      if (timer) clearTimeout(timer);
      client.removeListener('error', onError);
      client.removeListener('close', onClose);
      resolve();
    };
    client.once('ready', onReady);
    client.once('error', onError);
    client.once('close', onClose);
    armTimer();
    client.connect(config);
    signWithoutQuery(client);
    if (canLoginEarly(login.firstKeyType)) loginWithoutWaitingForService(client);
    options.onConnecting?.();
    sock.removeListener('error', onEarlyError);
  });
  return trackLink(endpoint, client, sock);
}

function trackLink(endpoint: SshEndpoint, client: Client, sock: Socket): SshLink {
  let closing = false;
  let lostError: EngineError | undefined;
  let lastError: (Error & { level?: string }) | undefined;
  const listeners: ((error: EngineError) => void)[] = [];
  client.on('error', (error: Error & { level?: string }) => {
    lastError = error;
  });
  client.on('close', () => {
    if (closing) return;
    const why =
      lastError?.message === 'Keepalive timeout'
        ? 'no answer to SSH keepalives'
        : (lastError?.message ?? 'the server closed it');
    lostError = new EngineError(
      { host: endpoint.name, operation: `SSH connection to ${describeEndpoint(endpoint)}` },
      `lost (${why})`,
      {
        hint: 'The link to the host broke: check the network and that the host is up, then run the command again.',
        cause: lastError,
      },
    );
    for (const listener of listeners) listener(lostError);
  });
  return {
    endpoint,
    client,
    lost: () => lostError,
    onLost: (listener) => listeners.push(listener),
    close: (options) =>
      new Promise<void>((resolve) => {
        if (closing || lostError) return resolve();
        closing = true;
        // Once DISCONNECT and our FIN are handed to the kernel there is nothing left to say:
        // waiting for the server's half of the close would cost a round trip per command, and
        // ssh2's keepalive timer would keep the process alive meanwhile. A caller nobody waits on
        // (the background process) reads to the server's end instead: replies still in flight
        // (to channels it closed just before) would otherwise meet a closed socket and a reset.
        if (!options?.waitForServer) sock.once('finish', () => sock.destroy());
        sock.once('close', () => resolve());
        client.end();
        setTimeout(() => sock.destroy(), 2000).unref();
      }),
  };
}
