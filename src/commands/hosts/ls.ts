/**
 * `notesctl hosts ls [--probe]` (docker-machine's ls): every host notesctl knows, from the
 * topology and the host store, without touching the network unless --probe asks each engine.
 */
import type { Command } from 'commander';
import { hostRows, optionalTopology } from '../../hosts/known.ts';
import { formatTable } from '../../output/table.ts';
import type { CommandContext } from '../context.ts';
import { probeDockerVersions } from '../support/probe-hosts.ts';

/** Whether to ask each host's engine for its version. */
export interface LsOptions {
  probe: boolean;
}

/** Declare `hosts ls`'s flags. */
export function configure(command: Command): Command {
  return command.option('--probe', 'ask each host for its Docker version (over SSH, in parallel)');
}

/** `hosts ls`'s options from what commander parsed. */
export function readOptions(command: Command): LsOptions {
  return { probe: command.opts<Partial<LsOptions>>().probe === true };
}

/** Run `hosts ls`. */
export async function run(
  options: LsOptions,
  { global, terminal }: CommandContext,
): Promise<number> {
  const topology = await optionalTopology(global.file, terminal);
  const rows = await hostRows(topology);
  // Offline by default (fast, works with hosts down); --probe asks every engine, in parallel.
  if (options.probe) await probeDockerVersions(rows, topology, terminal, global.acceptNewHostKey);
  if (global.json) terminal.json(rows);
  else if (rows.length === 0)
    terminal.info('No hosts yet: add one with `notesctl provision ssh NAME USER@ADDRESS`.');
  else
    terminal.data(
      formatTable(rows as unknown as Record<string, string>[], [
        'name',
        'driver',
        'runtime',
        'address',
        'docker',
        'source',
      ]),
    );
  return 0;
}
