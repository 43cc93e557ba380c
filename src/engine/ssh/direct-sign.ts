/**
 * Public-key login in one round trip instead of two. ssh2 first asks the server whether it
 * would accept a key (a USERAUTH_REQUEST without signature, answered by PK_OK) and sends the
 * signed request only then. RFC 4252 §7 lets a client send the signature at once, and for a key
 * notesctl has already read (and decrypted) there is nothing to gain by asking first: a refusal
 * comes back the same way, and ssh2 goes on to the next key. Agent keys keep ssh2's way (the
 * agent may ask its user to confirm each signature).
 *
 * ssh2 (1.17, pinned by the lockfile) has no option for this, so the client's protocol object's
 * authPK is wrapped: a request for a private key without a signer gets one. Should ssh2's
 * internals change, nothing is wrapped and logins simply take the extra round trip.
 */
import type { Client, ParsedKey } from 'ssh2';

type Signer = (data: Buffer, done: (signature: Buffer) => void) => void;
type AuthPK = (user: string, key: unknown, keyAlgo?: string, cbSign?: Signer) => void;

/** The hash each public-key algorithm signs with, as ssh2 pairs them. */
const HASHES: Record<string, string | undefined> = {
  'rsa-sha2-256': 'sha256',
  'rsa-sha2-512': 'sha512',
  'ssh-rsa': 'sha1',
};

function isPrivateKey(key: unknown): key is ParsedKey {
  const candidate = key as Partial<ParsedKey> | null;
  return (
    typeof candidate?.sign === 'function' &&
    typeof candidate.isPrivateKey === 'function' &&
    candidate.isPrivateKey()
  );
}

/** Make `client` (right after connect()) send signed public-key requests without the query. */
export function signWithoutQuery(client: Client): void {
  const proto = (client as unknown as { _protocol?: { authPK?: AuthPK } })._protocol;
  const original = proto?.authPK;
  if (!proto || typeof original !== 'function') return;
  proto.authPK = (user, key, keyAlgo, cbSign) => {
    if (cbSign !== undefined || !isPrivateKey(key)) {
      original.call(proto, user, key, keyAlgo, cbSign);
      return;
    }
    const hash = keyAlgo === undefined ? undefined : HASHES[keyAlgo];
    original.call(proto, user, key, keyAlgo, (data, done) => {
      const signed = key.sign(data, hash);
      // A key that cannot sign here: ssh2's own way (the query, then its own signing and error).
      if (signed instanceof Error) original.call(proto, user, key, keyAlgo);
      else done(signed);
    });
  };
}
