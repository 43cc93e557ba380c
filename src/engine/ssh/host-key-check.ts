/**
 * Host key verification for one connection, run inside ssh2's hostVerifier: during the key
 * exchange, before the client authenticates, so a wrong server never sees a signature from the
 * operator's key. Known keys pass; a changed or revoked key is refused with the fingerprints;
 * a first contact is asked about on a terminal or needs --accept-new-host-key, and is then recorded.
 */
import { NotesctlError } from '../../errors.ts';
import {
  fingerprint,
  judgeHostKey,
  keyTypeOf,
  knownKeyTypes,
  lookupName,
  type KnownHostEntry,
} from './known-hosts.ts';
import { readKnownHosts, recordHostKey, type KnownHostsFiles } from './known-hosts-files.ts';
import type { SshEndpoint } from '../../model/topology.ts';
import { describeEndpoint } from './endpoint.ts';

/** How first contacts and changes are handled. */
export interface HostKeyPolicy {
  files: KnownHostsFiles;
  /** Trust and record a key seen for the first time (--accept-new-host-key). */
  acceptNew: boolean;
  /** Ask the operator (a terminal prompt); undefined when there is no terminal. */
  ask: ((question: string) => Promise<boolean>) | undefined;
  /** Say what was decided (a key was recorded). */
  note: (text: string) => void;
}

/** The verifier of one connection attempt. */
export interface HostKeyCheck {
  /** Host key algorithms to ask for first: the types already recorded for this host. */
  preferredAlgorithms: string[];
  /** Decide on the presented key blob; resolves true to continue. Never throws. */
  verify: (key: Buffer) => Promise<boolean>;
  /** Why the key was refused, once verify resolved false. */
  refusal: () => NotesctlError | undefined;
  /** The presented key's fingerprint, once seen. */
  presented: () => string | undefined;
}

/** Algorithm names ssh2 negotiates for a key type. */
function algorithmsFor(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

function where(entry: KnownHostEntry): string {
  return `${entry.file}:${entry.line}`;
}

/** Read the known keys and return the verifier for a connection to `endpoint`. */
export async function prepareHostKeyCheck(
  endpoint: SshEndpoint,
  policy: HostKeyPolicy,
): Promise<HostKeyCheck> {
  const entries = await readKnownHosts(policy.files);
  const { hostname, port } = endpoint;
  const label = `host ${endpoint.name} (${describeEndpoint(endpoint)})`;
  const lookup = lookupName(hostname, port);
  let refusal: NotesctlError | undefined;
  let presented: string | undefined;

  const verify = async (key: Buffer): Promise<boolean> => {
    const type = keyTypeOf(key);
    presented = `${type} ${fingerprint(key)}`;
    const verdict = judgeHostKey(entries, hostname, port, key);
    switch (verdict.kind) {
      case 'known':
        return true;
      case 'revoked':
        refusal = new NotesctlError(
          `${label} presented a REVOKED host key (${presented}, revoked in ${where(verdict.entry)}) — refusing to connect`,
          {
            hint: 'The key was marked @revoked: the server must get a new host key before notesctl connects to it.',
          },
        );
        return false;
      case 'changed': {
        const recorded = verdict.recorded
          .map((e) => `  recorded:  ${e.keyType} ${fingerprint(e.key)}  (${where(e)})`)
          .join('\n');
        const files = [...new Set(verdict.recorded.map((e) => e.file))];
        refusal = new NotesctlError(
          `${label}: the host key has CHANGED — refusing to connect\n  presented: ${presented}\n${recorded}`,
          {
            hint:
              'Someone may be intercepting the connection (man-in-the-middle), or the server was reinstalled. ' +
              `Compare the presented fingerprint with the server's own (on the server: ssh-keygen -lf /etc/ssh/ssh_host_${type.replace(/^ssh-|-sha2.*$/g, '')}_key.pub). ` +
              `If the change is expected, remove the old key (${files.map((f) => `ssh-keygen -f ${f} -R '${lookup}'`).join('; ')}) and connect again with --accept-new-host-key.`,
          },
        );
        return false;
      }
      case 'new':
        return acceptFirstContact(key);
    }
  };

  const acceptFirstContact = async (key: Buffer): Promise<boolean> => {
    const shown = presented ?? '';
    if (!policy.acceptNew) {
      if (!policy.ask) {
        refusal = new NotesctlError(
          `${label} is not known yet (its key: ${shown}) and there is no terminal to ask whether to trust it`,
          {
            hint: `Check the fingerprint with the server's administrator, then run again with --accept-new-host-key (notesctl records the key in ${policy.files.own}).`,
          },
        );
        return false;
      }
      const trusted = await policy.ask(
        `The authenticity of ${label} can't be established.\n  Its key fingerprint is ${shown}.\n  Trust this key and connect?`,
      );
      if (!trusted) {
        refusal = new NotesctlError(`${label}: host key ${shown} not trusted — not connecting`, {
          hint: 'Connect again and answer yes once you have checked the fingerprint.',
        });
        return false;
      }
    }
    await recordHostKey(policy.files, hostname, port, key);
    policy.note(`Recorded the host key of ${label}: ${shown} (in ${policy.files.own})`);
    return true;
  };

  return {
    preferredAlgorithms: knownKeyTypes(entries, hostname, port).flatMap(algorithmsFor),
    verify: (key) =>
      verify(key).catch((error: unknown) => {
        refusal = new NotesctlError(`${label}: could not check the host key: ${String(error)}`, {
          cause: error,
        });
        return false;
      }),
    refusal: () => refusal,
    presented: () => presented,
  };
}
