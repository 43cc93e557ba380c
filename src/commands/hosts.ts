/**
 * `notesctl hosts ls|show|rm|ssh` (docker-machine's ls/inspect/rm/ssh): list known hosts without
 * touching the network, show one (never a secret), remove one (with what notesctl created for it),
 * or open a shell / run a command on one over the same SSH layer the engine uses.
 */
import type { CommandRunner } from '../cli.ts';
import { DockerEngine } from '../engine/docker-engine.ts';
import { runAttached } from '../engine/ssh/exec.ts';
import { openSshTransport } from '../engine/ssh/transport.ts';
import { connectSsh } from '../engine/ssh/connect.ts';
import { describeEndpoint } from '../engine/ssh/endpoint.ts';
import { fingerprint, entryMatches } from '../engine/ssh/known-hosts.ts';
import { knownHostsFiles, readKnownHosts } from '../engine/ssh/known-hosts-files.ts';
import { shellCommand } from '../engine/ssh/shell-quote.ts';
import { UsageError } from '../errors.ts';
import { hostRows, optionalTopology } from '../hosts/known.ts';
import { digitalOceanToken, sshOptionsFor } from '../hosts/prompts.ts';
import { resolveHost } from '../hosts/resolve.ts';
import { formatTable } from '../output/table.ts';
import { createProgress } from '../output/progress.ts';
import { DigitalOceanClient, apiUrlFromEnv } from '../provision/digitalocean/client.ts';
import { deleteDigitalOceanResources } from '../provision/digitalocean/destroy.ts';
import { forgetHost } from '../provision/forget-host.ts';
import { confirmOrRequireYes } from './support/confirm.ts';

/** Run `hosts SUBCOMMAND`. */
export const run: CommandRunner = async (context) => {
  const { global, args, terminal } = context;
  const [sub, name, ...rest] = args;
  const topology = await optionalTopology(global.file, terminal);
  if (sub === 'ls') {
    const rows = await hostRows(topology);
    // Offline by default (fast, works with hosts down); --probe asks every engine, in parallel.
    if (context.options.probe === true) {
      await Promise.all(
        rows.map(async (row) => {
          row.docker = await probe(row.name, async () => {
            // Never prompt here: answers to parallel questions would interleave.
            const ssh = sshOptionsFor(terminal, global.acceptNewHostKey);
            const hostKeys = { ...ssh.hostKeys, ask: undefined };
            const { endpoint } = await resolveHost(row.name, topology);
            const { transport } = await openSshTransport(endpoint, {
              ...ssh,
              passphrase: undefined,
              hostKeys,
            });
            const engine = new DockerEngine(row.name, transport);
            try {
              return await engine.version();
            } finally {
              await engine.close();
            }
          });
        }),
      );
    }
    if (global.json) terminal.json(rows);
    else if (rows.length === 0)
      terminal.info('No hosts yet: add one with `notesctl provision ssh NAME USER@ADDRESS`.');
    else
      terminal.data(
        formatTable(rows as unknown as Record<string, string>[], [
          'name',
          'driver',
          'address',
          'docker',
          'source',
        ]),
      );
    return 0;
  }
  if (name === undefined) throw new UsageError(`hosts ${sub ?? ''}: missing the host name`);
  const host = await resolveHost(name, topology);
  if (sub === 'show') {
    const entries = (await readKnownHosts(knownHostsFiles())).filter(
      (e) => e.marker === undefined && entryMatches(e, host.endpoint.hostname, host.endpoint.port),
    );
    const { record } = host;
    const details = {
      name,
      source: host.source,
      driver: record?.driver ?? 'ssh',
      ssh: describeEndpoint(host.endpoint),
      identity: host.endpoint.identity ?? '(ssh-agent or ~/.ssh/id_*)',
      socket: host.endpoint.socket,
      os: record?.os,
      docker: record?.dockerVersion,
      recorded: record?.createdAt,
      hostKeys: entries.map((e) => `${e.keyType} ${fingerprint(e.key)} (${e.file}:${e.line})`),
      digitalocean: record?.digitalocean,
    };
    if (global.json) terminal.json(details);
    else terminal.data(formatDetails(details));
    return 0;
  }
  if (sub === 'rm') {
    const { record } = host;
    if (!record) {
      throw new UsageError(
        `host ${name} is declared in ${topology?.file ?? 'the topology'}, not recorded by notesctl`,
        {
          hint: 'Remove it from hosts: in the topology instead.',
        },
      );
    }
    const what = record.digitalocean
      ? `Delete droplet ${record.digitalocean.dropletId}, its firewall and SSH key on DigitalOcean, and forget host ${name}?`
      : `Forget host ${name} (${describeEndpoint(record)})? The server itself is left as it is.`;
    if (!(await confirmOrRequireYes(what, context.options.yes === true, '-y'))) return 1;
    const progress = await createProgress(terminal);
    try {
      if (record.digitalocean) {
        const client = new DigitalOceanClient({
          token: await digitalOceanToken(),
          baseUrl: apiUrlFromEnv(process.env),
        });
        await deleteDigitalOceanResources(name, record.digitalocean, client, progress.sink);
      }
      await forgetHost(record, progress.sink);
    } finally {
      progress.stop();
    }
    return 0;
  }
  if (sub === 'ssh') {
    const link = await connectSsh(host.endpoint, sshOptionsFor(terminal, global.acceptNewHostKey));
    try {
      const interactive = process.stdin.isTTY && process.stdout.isTTY;
      return await runAttached(link, rest.length > 0 ? shellCommand(rest) : undefined, {
        stdin: process.stdin,
        stdout: terminal.streams.stdout,
        stderr: terminal.streams.stderr,
        pty: interactive,
        term: process.env.TERM ?? 'xterm-256color',
      });
    } finally {
      await link.close();
    }
  }
  throw new UsageError(`hosts: unknown subcommand "${sub ?? ''}"`, {
    hint: 'Use ls, show, rm or ssh.',
  });
};

type Detail = string | number | undefined | string[] | Record<string, string | number | undefined>;

async function probe(name: string, version: () => Promise<{ version: string }>): Promise<string> {
  try {
    return (await version()).version;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const first = message.replace(`${name}: `, '').split('\n')[0] ?? '';
    return `unreachable: ${first.length > 70 ? `${first.slice(0, 69)}…` : first}`;
  }
}

function formatDetails(details: Record<string, Detail>): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(details)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      lines.push(`${key}:${value.length === 0 ? ' -' : ''}`);
      for (const item of value) lines.push(`  - ${item}`);
    } else if (typeof value === 'object') {
      lines.push(`${key}:`);
      for (const [k, v] of Object.entries(value)) if (v !== undefined) lines.push(`  ${k}: ${v}`);
    } else lines.push(`${key}: ${String(value)}`);
  }
  return lines.join('\n');
}
