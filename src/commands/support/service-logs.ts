/**
 * The log lines `notesctl logs` reads: which ones (`--tail`, `--since`, checked here), and from
 * where (each service's instances on its host's target; all streams at once).
 */
import { UsageError } from '../../errors.ts';
import type { Topology } from '../../model/topology.ts';
import { withTarget, type HostAccess } from '../../targets/open.ts';
import type { LogLine, LogOptions } from '../../targets/target.ts';
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
  access: HostAccess,
  services: string[],
  options: LogOptions,
  printer: { print: (service: string, line: LogLine) => void },
): Promise<void> {
  await Promise.all(
    [...servicesByHost(topology, services)].map(([host, hostServices]) =>
      withTarget(topology, host, access, (target) =>
        target.logs(hostServices, options, (service, line) => printer.print(service, line)),
      ),
    ),
  );
}
