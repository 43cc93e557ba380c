/**
 * Which keys log in, in order: the identity file named for the host (--identity, the topology's
 * `identity`, or the host store), then ssh-agent (SSH_AUTH_SOCK), then — only when no identity
 * was named — the usual ~/.ssh/id_* files. Passwords are never used. An encrypted key asks for
 * its passphrase on a terminal and fails with the way out otherwise.
 */
import { access, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AgentAuthMethod, ParsedKey, PublicKeyAuthMethod } from 'ssh2';
import { ssh2 } from './ssh2.ts';
import { UsageError } from '../../errors.ts';

/** Ask for a key's passphrase (hidden); undefined when there is no terminal. */
export type PassphrasePrompt = ((file: string) => Promise<string>) | undefined;

/** The login methods to try and a description of them for error messages. */
export interface LoginMethods {
  methods: (PublicKeyAuthMethod | AgentAuthMethod)[];
  tried: string[];
  /** The key type (`ssh-ed25519`, `ssh-rsa`, …) of the first method, when it is a key file. */
  firstKeyType: string | undefined;
}

/** The type of a parsed key (the first of a file holding several). */
function keyType(parsed: ParsedKey | ParsedKey[]): string | undefined {
  return (Array.isArray(parsed) ? parsed[0] : parsed)?.type;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** A private key as ssh2 takes it, with the passphrase that opens it. */
interface LoadedKey {
  key: Buffer;
  passphrase: string | undefined;
  type: string | undefined;
}

/**
 * Read and, if need be, decrypt a private key. An `optional` key (a default ~/.ssh/id_* file
 * while another way to log in exists, or without a terminal) that cannot be used without a
 * passphrase, or at all, is skipped: undefined.
 */
async function loadKey(file: string, ask: PassphrasePrompt, optional: false): Promise<LoadedKey>;
async function loadKey(
  file: string,
  ask: PassphrasePrompt,
  optional: boolean,
): Promise<LoadedKey | undefined>;
async function loadKey(
  file: string,
  ask: PassphrasePrompt,
  optional: boolean,
): Promise<LoadedKey | undefined> {
  let key: Buffer;
  try {
    key = await readFile(file);
  } catch (error) {
    throw new UsageError(`cannot read the SSH key ${file}: ${(error as Error).message}`, {
      hint: 'Point `identity:` (topology), --identity or the host record at a readable private key file.',
      cause: error,
    });
  }
  const parsed = ssh2().utils.parseKey(key);
  if (!(parsed instanceof Error)) return { key, passphrase: undefined, type: keyType(parsed) };
  if (optional) return undefined;
  if (!/encrypted|passphrase/i.test(parsed.message)) {
    throw new UsageError(`${file} is not a private key notesctl can use: ${parsed.message}`, {
      hint: 'Use an OpenSSH or PEM private key (ed25519, ecdsa or rsa).',
    });
  }
  if (!ask) {
    throw new UsageError(
      `the SSH key ${file} is encrypted and there is no terminal to ask for its passphrase`,
      {
        hint: `Add it to ssh-agent first (eval "$(ssh-agent)"; ssh-add ${file}), or run notesctl on a terminal.`,
      },
    );
  }
  for (let attempt = 1; ; attempt++) {
    const passphrase = await ask(file);
    const decrypted = ssh2().utils.parseKey(key, passphrase);
    if (!(decrypted instanceof Error)) return { key, passphrase, type: keyType(decrypted) };
    if (attempt === 3) {
      throw new UsageError(`wrong passphrase for ${file} (3 attempts)`, {
        hint: `Check it with \`ssh-keygen -y -f ${file}\`.`,
      });
    }
  }
}

/** The login methods for `user`, in the order above. */
export async function loginMethods(
  user: string,
  identity: string | undefined,
  env: NodeJS.ProcessEnv,
  ask: PassphrasePrompt,
): Promise<LoginMethods> {
  const methods: (PublicKeyAuthMethod | AgentAuthMethod)[] = [];
  const tried: string[] = [];
  let firstKeyType: string | undefined;
  if (identity !== undefined) {
    const { key, passphrase, type } = await loadKey(identity, ask, false);
    firstKeyType = type;
    methods.push({ type: 'publickey', username: user, key, ...(passphrase ? { passphrase } : {}) });
    tried.push(`key ${identity}`);
  }
  const agent = env.SSH_AUTH_SOCK;
  if (agent !== undefined && agent !== '') {
    methods.push({ type: 'agent', username: user, agent });
    tried.push(`ssh-agent (${agent})`);
  }
  if (identity === undefined) {
    const home = env.HOME ?? homedir();
    for (const name of DEFAULT_KEYS) {
      const file = join(home, '.ssh', name);
      if (!(await exists(file))) continue;
      // With an agent, an encrypted default key would only prompt for nothing: skip it then.
      const loaded = await loadKey(file, ask, methods.length > 0 || !ask);
      if (!loaded) continue;
      const { key, passphrase, type } = loaded;
      if (methods.length === 0) firstKeyType = type;
      methods.push({
        type: 'publickey',
        username: user,
        key,
        ...(passphrase ? { passphrase } : {}),
      });
      tried.push(`key ${file}`);
    }
  }
  return { methods, tried, firstKeyType };
}
