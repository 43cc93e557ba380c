/**
 * Renders ApplyEvents on stderr: ora spinners with live status on a TTY, timestamped plain lines
 * otherwise (CI logs), nothing with --json or -q (JSON lines of events with --json -v).
 */
import type { Ora } from 'ora';
import type { ApplyEvent, EventSink } from '../apply/events.ts';
import type { Terminal } from './terminal.ts';

/** A renderer: a sink for events and a stop() that clears any live status. */
export interface ProgressRenderer {
  sink: EventSink;
  stop(): void;
}

function clock(): string {
  return new Date().toISOString().slice(11, 23);
}

/** Pick the renderer for this terminal. ora is loaded only when a TTY needs it. */
export async function createProgress(terminal: Terminal): Promise<ProgressRenderer> {
  const { options } = terminal;
  if (options.json) {
    return {
      sink: (event) => {
        if (options.verbose)
          terminal.streams.stderr.write(
            `${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`,
          );
      },
      stop: () => undefined,
    };
  }
  if (options.quiet) return { sink: () => undefined, stop: () => undefined };
  if (terminal.interactive) return createSpinnerProgress(terminal, (await import('ora')).default);
  return createPlainProgress(terminal);
}

function createPlainProgress(terminal: Terminal): ProgressRenderer {
  const { paint } = terminal;
  const write = (text: string) => terminal.streams.stderr.write(`${paint.dim(clock())} ${text}\n`);
  return {
    sink(event: ApplyEvent) {
      switch (event.type) {
        case 'op-start':
          write(`${paint.cyan('→')} ${event.text}`);
          break;
        case 'op-done':
          write(`${paint.green('✓')} ${event.text} ${paint.dim(`(${event.ms} ms)`)}`);
          break;
        case 'op-failed':
          write(`${paint.red('✗')} ${event.text}: ${event.error.split('\n')[0] ?? ''}`);
          break;
        case 'op-progress':
          if (terminal.options.verbose) write(`  ${paint.dim('│')} ${event.text}`);
          break;
        case 'note':
          write(event.text);
          break;
      }
    },
    stop: () => undefined,
  };
}

function createSpinnerProgress(
  terminal: Terminal,
  ora: (options: object) => Ora,
): ProgressRenderer {
  const { paint } = terminal;
  const running = new Map<string, string>();
  const spinner = ora({ stream: terminal.streams.stderr, color: 'cyan', discardStdin: false });
  const refresh = () => {
    if (running.size === 0) {
      spinner.stop();
      return;
    }
    const [first] = running.values();
    spinner.text =
      running.size === 1
        ? (first ?? '')
        : `${first ?? ''} ${paint.dim(`(+${running.size - 1} more)`)}`;
    if (!spinner.isSpinning) spinner.start();
  };
  const persist = (symbol: string, text: string) => {
    spinner.stop();
    terminal.streams.stderr.write(`${symbol} ${text}\n`);
    refresh();
  };
  return {
    sink(event: ApplyEvent) {
      switch (event.type) {
        case 'op-start':
          running.set(event.id, event.text);
          refresh();
          break;
        case 'op-progress':
          running.set(event.id, event.text.slice(0, 100));
          refresh();
          break;
        case 'op-done':
          running.delete(event.id);
          persist(paint.green('✔'), `${event.text} ${paint.dim(`${event.ms} ms`)}`);
          break;
        case 'op-failed':
          running.delete(event.id);
          persist(paint.red('✖'), `${event.text}: ${event.error.split('\n')[0] ?? ''}`);
          break;
        case 'note':
          persist(paint.dim('•'), event.text);
          break;
      }
    },
    stop: () => spinner.stop(),
  };
}
