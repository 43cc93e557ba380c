/**
 * `notesctl hosts status NAME` (docker-machine's status, issue 23): does SSH answer (host key
 * checked as always), does the engine answer through it, and — for a DigitalOcean host, given a
 * token — the droplet's state. Exit 1 when SSH or the engine does not answer. A plain server
 * (runtime systemd or pm2, issue 21) has no engine to ask.
 */
import type { Command } from 'commander';
import { probeEngineVersion } from '../../engine/open.ts';
import { connectSsh } from '../../engine/ssh/connect.ts';
import { optionalTopology } from '../../hosts/known.ts';
import { sshOptionsFor } from '../../hosts/prompts.ts';
import { resolveHost } from '../../hosts/resolve.ts';
import type { CommandContext } from '../context.ts';
import { digitalOceanClient } from '../support/digitalocean.ts';

/** Which host. */
export interface StatusOptions {
  name: string;
}

/** `hosts status` has no flags of its own. */
export function configure(command: Command): Command {
  return command;
}

/** `hosts status`'s options from what commander parsed. */
export function readOptions(command: Command): StatusOptions {
  return { name: command.args[0] ?? '' };
}

/** What one probe found: a word, and its detail. */
interface Probe {
  state: string;
  detail: string;
}

const why = (error: unknown) =>
  error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);

/** Run `hosts status`. */
export async function run({ name }: StatusOptions, context: CommandContext): Promise<number> {
  const { global, terminal } = context;
  const topology = await optionalTopology(global.file, terminal);
  const { endpoint, record, runtime } = await resolveHost(name, topology);
  const ssh = sshOptionsFor(terminal, global.acceptNewHostKey);
  const found: Record<string, Probe> = {};
  const dropletId = record?.digitalocean?.dropletId;
  const token = process.env.DIGITALOCEAN_ACCESS_TOKEN?.trim();
  if (dropletId !== undefined) {
    found.droplet = token
      ? await digitalOceanClient(token)
          .getDroplet(dropletId)
          .then(
            (d) => ({ state: d.status, detail: `droplet ${dropletId}` }),
            (error: unknown) => ({ state: 'unknown', detail: why(error) }),
          )
      : { state: 'not asked', detail: 'set DIGITALOCEAN_ACCESS_TOKEN to ask DigitalOcean' };
  }
  const started = Date.now();
  found.ssh = await connectSsh(endpoint, ssh).then(
    async (link) => {
      await link.close();
      return {
        state: 'answers',
        detail: `${endpoint.user}@${endpoint.hostname}:${endpoint.port} in ${Date.now() - started} ms`,
      };
    },
    (error: unknown) => ({ state: 'no answer', detail: why(error) }),
  );
  const engineNeeded = runtime === 'docker';
  found.engine = !engineNeeded
    ? { state: 'none', detail: `runtime ${runtime}: no Docker engine` }
    : found.ssh.state === 'answers'
      ? await probeEngineVersion(name, { endpoint, ssh }).then(
          (v) => ({ state: 'answers', detail: `Docker ${v.version}` }),
          (error: unknown) => ({ state: 'no answer', detail: why(error) }),
        )
      : { state: 'not asked', detail: 'SSH does not answer' };
  if (global.json) terminal.json({ name, ...found });
  else
    terminal.data(
      Object.entries(found)
        .map(([what, p]) => `${what.padEnd(7)} ${p.state} (${p.detail})`)
        .join('\n'),
    );
  const engineOk = !engineNeeded || found.engine.state === 'answers';
  return found.ssh.state === 'answers' && engineOk ? 0 : 1;
}
