/**
 * `hosts ls --probe`: ask every host's engine for its Docker version, in parallel, over SSH. A
 * host that does not answer shows why, shortened to one line.
 */
import { probeEngineVersion } from '../../engine/open.ts';
import type { HostRow } from '../../hosts/known.ts';
import { sshOptionsFor } from '../../hosts/prompts.ts';
import { resolveHost } from '../../hosts/resolve.ts';
import type { Topology } from '../../model/topology.ts';
import type { Terminal } from '../../output/terminal.ts';

/** Fill in each row's `docker` column with the version its engine reports, or why it did not. */
export async function probeDockerVersions(
  rows: HostRow[],
  topology: Topology | undefined,
  terminal: Terminal,
  acceptNewHostKey: boolean,
): Promise<void> {
  await Promise.all(
    // A plain server (runtime systemd or pm2) has no engine to ask.
    rows
      .filter((row) => row.runtime === 'docker')
      .map(async (row) => {
        row.docker = await probe(row.name, async () => {
          // Never prompt here: answers to parallel questions would interleave.
          const ssh = sshOptionsFor(terminal, acceptNewHostKey);
          const hostKeys = { ...ssh.hostKeys, ask: undefined };
          const { endpoint } = await resolveHost(row.name, topology);
          return probeEngineVersion(row.name, {
            endpoint,
            ssh: { ...ssh, passphrase: undefined, hostKeys },
          });
        });
      }),
  );
}

async function probe(name: string, version: () => Promise<{ version: string }>): Promise<string> {
  try {
    return (await version()).version;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const first = message.replace(`${name}: `, '').split('\n')[0] ?? '';
    return `unreachable: ${first.length > 70 ? `${first.slice(0, 69)}…` : first}`;
  }
}
