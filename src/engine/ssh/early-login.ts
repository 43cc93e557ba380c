/**
 * The login request right behind the service request, one round trip sooner. ssh2 sends
 * SERVICE_REQUEST ("ssh-userauth") when the key exchange ends and its first USERAUTH_REQUEST only
 * once SERVICE_ACCEPT is back. RFC 4253 §10 asks a client to wait for that answer only after a
 * key exchange with implicit server authentication; every exchange ssh2 offers authenticates the
 * server explicitly (the host key signs the exchange hash), and a server reads its packets in
 * order, so the request meets the acceptance it follows.
 *
 * Used only when the first login is a key notesctl read itself and whose signature algorithm
 * does not depend on the server (ed25519, ecdsa): an RSA key's algorithm is chosen from the
 * server's EXT_INFO, which may arrive after this point, and agent keys are ssh2's business.
 *
 * ssh2 (1.17, pinned by the lockfile) has no option for this, so the client's protocol object's
 * service() and its SERVICE_ACCEPT handler are wrapped. Should ssh2's internals change, nothing
 * is wrapped and logins take the extra round trip.
 */
import type { Client } from 'ssh2';

type AcceptHandler = (proto: unknown, name: string) => void;

interface Protocol {
  service?: (name: string) => void;
  _handlers?: { SERVICE_ACCEPT?: AcceptHandler };
}

/** Key types whose signature algorithm is fixed by the key itself. */
const FIXED_ALGORITHM = /^(ssh-ed25519|ecdsa-sha2-)/;

/** Whether a login with a key of this type (`ssh-ed25519`, …) may be sent without waiting. */
export function canLoginEarly(keyType: string | undefined): boolean {
  return keyType !== undefined && FIXED_ALGORITHM.test(keyType);
}

/** Make `client` (right after connect()) send its first login behind the service request. */
export function loginWithoutWaitingForService(client: Client): void {
  const proto = (client as unknown as { _protocol?: Protocol })._protocol;
  const service = proto?.service;
  const handlers = proto?._handlers;
  const accept = handlers?.SERVICE_ACCEPT;
  if (!proto || !handlers || typeof service !== 'function' || typeof accept !== 'function') return;
  let answered = false;
  proto.service = (name: string) => {
    service.call(proto, name);
    if (name !== 'ssh-userauth') return;
    answered = true;
    // ssh2's own reaction to the acceptance: it sends its first login request.
    accept(proto, name);
  };
  handlers.SERVICE_ACCEPT = (self, name) => {
    if (answered && name === 'ssh-userauth') {
      answered = false;
      return;
    }
    accept(self, name);
  };
}
