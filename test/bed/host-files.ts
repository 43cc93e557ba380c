// The files of one test host: its ssh host key, the generated test key that logs in as root, the
// rendered sshd_config and daemon.json (templates under ./host/), and a known_hosts file.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { HostRecord } from './host-registry.ts';

/** Paths and keys a test reaches the host with. */
export interface HostFiles {
  /** Private part of the generated ed25519 test key (authorised for root). */
  identityFile: string;
  /** The host's public key as `TYPE BASE64`, for known_hosts. */
  hostPublicKey: string;
  /** A known_hosts file naming the host's address and key. */
  knownHostsFile: string;
  sshdConfig: string;
}

const templates = fileURLToPath(new URL('./host/', import.meta.url));

/** Replace every `{{KEY}}` of a template; an unknown key is a bug in the bed. */
function render(template: string, values: Record<string, string>): string {
  return readFileSync(join(templates, template), 'utf8').replace(
    /\{\{(\w+)\}\}/g,
    (_, key: string) => {
      const value = values[key];
      if (value === undefined) throw new Error(`${template}: no value for {{${key}}}`);
      return value;
    },
  );
}

async function keygen(file: string, comment: string): Promise<void> {
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}

/** Write the host's keys and configuration into its directory. */
export async function writeHostFiles(
  record: HostRecord,
  options: { allowStreamLocalForwarding: boolean },
): Promise<HostFiles> {
  const ssh = join(record.dir, 'ssh');
  mkdirSync(ssh, { recursive: true, mode: 0o700 });
  mkdirSync(join(record.dir, 'etc-docker'), { recursive: true });
  const identityFile = join(ssh, 'id_ed25519');
  const hostKey = join(ssh, 'ssh_host_ed25519_key');
  await Promise.all([
    keygen(identityFile, `notesctl-testbed@${record.name}`),
    keygen(hostKey, `root@${record.name}`),
  ]);
  writeFileSync(join(ssh, 'authorized_keys'), readFileSync(`${identityFile}.pub`));
  const [type, key] = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ');
  const hostPublicKey = `${type ?? ''} ${key ?? ''}`;
  const knownHostsFile = join(ssh, 'known_hosts');
  writeFileSync(knownHostsFile, `${record.address} ${hostPublicKey}\n`);
  const sshdConfig = join(ssh, 'sshd_config');
  writeFileSync(
    sshdConfig,
    render('sshd_config', {
      ADDRESS: record.address,
      SSH_DIR: ssh,
      ALLOW_STREAM_LOCAL_FORWARDING: options.allowStreamLocalForwarding ? 'yes' : 'no',
    }),
  );
  // Engine addresses that collide neither with the main engine's (172.17-31, 192.168) nor with
  // another test host's: docker0 in 10.200.N.0/24, user networks from 10.(100+N).0.0/16.
  writeFileSync(
    join(record.dir, 'etc-docker', 'daemon.json'),
    render('daemon.json', {
      BIP: `10.200.${record.slot}.1/24`,
      POOL: `10.${100 + record.slot}.0.0/16`,
    }),
  );
  return { identityFile, hostPublicKey, knownHostsFile, sshdConfig };
}

/** The files of a host that is already up (for `host ls` and handles of running hosts). */
export function readHostFiles(record: HostRecord): HostFiles {
  const ssh = join(record.dir, 'ssh');
  const [type, key] = readFileSync(join(ssh, 'ssh_host_ed25519_key.pub'), 'utf8').trim().split(' ');
  return {
    identityFile: join(ssh, 'id_ed25519'),
    hostPublicKey: `${type ?? ''} ${key ?? ''}`,
    knownHostsFile: join(ssh, 'known_hosts'),
    sshdConfig: join(ssh, 'sshd_config'),
  };
}
