/**
 * The log lines `notesctl logs` reads: which ones (`--tail`, `--since`, checked here), and from
 * where (each service's containers, found by label on its host's engine; all streams at once).
 */
import type { LogLine, LogOptions } from '../../engine/engine.ts';
import { UsageError } from '../../errors.ts';
import { LABEL, projectSelector } from '../../model/names.ts';
import type { Topology } from '../../model/topology.ts';
import type { GlobalOptions } from '../context.ts';
import { withEngine } from './engines.ts';
import { servicesByHost } from './scope.ts';
import { parseSince } from './since.ts';

/** `--tail` and `--since` as given, as numbers for the engine (or a UsageError). */
export function logWindow(
  tail: string | undefined,
  since: string | undefined,
  nowMs: number,
): Pick<LogOptions, 'tail' | 'since'> {
  const lines = tail === undefined ? undefined : Number(tail);
  if (lines !== undefined && (!Number.isInteger(lines) || lines < 0)) {
    throw new UsageError(`--tail: expected a whole number of lines, got "${String(tail)}"`);
  }
  return { tail: lines, since: since === undefined ? undefined : parseSince(since, nowMs) };
}

/** Hand every log line of `services`, on the hosts they are placed on, to `printer`. */
export async function printServiceLogs(
  topology: Topology,
  global: GlobalOptions,
  services: string[],
  options: LogOptions,
  printer: { print: (service: string, line: LogLine) => void },
): Promise<void> {
  await Promise.all(
    [...servicesByHost(topology, services)].map(([host, hostServices]) =>
      withEngine(topology, host, global, async (engine) => {
        const containers = (await engine.listContainers(projectSelector(topology.project))).filter(
          (c) => hostServices.includes(c.labels[LABEL.service] ?? ''),
        );
        await Promise.all(
          containers.map(async (c) => {
            const service = c.labels[LABEL.service] ?? c.name;
            for await (const line of engine.logs(c.id, options)) printer.print(service, line);
          }),
        );
      }),
    ),
  );
}
