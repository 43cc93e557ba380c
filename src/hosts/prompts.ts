/**
 * The questions SSH connections may need answered: trust a new host key, a key's passphrase.
 * Asked through src/output/prompt.ts when stdin and stderr are terminals; otherwise there is no
 * one to ask and the SSH layer fails with the flag or step that avoids the question.
 */
import { UsageError } from '../errors.ts';
import { knownHostsFiles } from '../engine/ssh/known-hosts-files.ts';
import type { SshConnectOptions } from '../engine/ssh/connect.ts';
import { askPassword, askYesNo, canAsk } from '../output/prompt.ts';
import type { Terminal } from '../output/terminal.ts';

function askPassphrase(file: string): Promise<string> {
  // No mask: nothing about the passphrase, not even its length, reaches the screen.
  return askPassword(`Passphrase for ${file}:`);
}

/** SSH connection options for a command: prompts when possible, notes through the terminal. */
export function sshOptionsFor(
  terminal: Terminal,
  acceptNewHostKey: boolean,
  env: NodeJS.ProcessEnv = process.env,
): SshConnectOptions {
  const interactive = canAsk();
  return {
    env,
    hostKeys: {
      files: knownHostsFiles(env),
      acceptNew: acceptNewHostKey,
      ask: interactive ? askYesNo : undefined,
      note: (text) => terminal.info(text),
    },
    passphrase: interactive ? askPassphrase : undefined,
  };
}

/** The DigitalOcean token: DIGITALOCEAN_ACCESS_TOKEN, else a hidden prompt; never stored. */
export async function digitalOceanToken(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const fromEnv = env.DIGITALOCEAN_ACCESS_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  if (!canAsk()) {
    throw new UsageError(
      'no DigitalOcean API token: DIGITALOCEAN_ACCESS_TOKEN is not set and there is no terminal to ask on',
      {
        hint: 'export DIGITALOCEAN_ACCESS_TOKEN=… (a token with write scope from https://cloud.digitalocean.com/account/api/tokens).',
      },
    );
  }
  return askPassword('DigitalOcean API token (not stored):');
}
