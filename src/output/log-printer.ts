/**
 * Log lines of several services on stdout, each prefixed with its service name, padded so the
 * lines align, in a colour per service (stderr lines marked in red when colours are on).
 */
import type { LogLine } from '../engine/engine.ts';
import type { Terminal } from './terminal.ts';

const COLORS = ['cyan', 'yellow', 'green', 'magenta', 'blue', 'white'] as const;

/** A printer for one `logs` command. */
export function createLogPrinter(
  terminal: Terminal,
  services: string[],
): { print(service: string, line: LogLine): void } {
  const width = Math.max(...services.map((s) => s.length));
  const single = services.length === 1;
  const colorOf = (service: string) =>
    COLORS[Math.max(0, services.indexOf(service)) % COLORS.length] ?? 'white';
  return {
    print(service, line) {
      if (terminal.options.json) {
        terminal.data(JSON.stringify({ service, stream: line.stream, line: line.text }));
        return;
      }
      const text = line.stream === 'stderr' ? terminal.paint.red(line.text) : line.text;
      if (single) {
        terminal.data(text);
        return;
      }
      const prefix = terminal.paint[colorOf(service)](`${service.padEnd(width)} |`);
      terminal.data(`${prefix} ${text}`);
    },
  };
}
