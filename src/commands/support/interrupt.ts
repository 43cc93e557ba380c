/**
 * Ctrl-C handling for long commands: the first SIGINT/SIGTERM aborts the command's signal so
 * it stops starting new work and finishes the engine calls in flight (nothing left half-done);
 * a second one falls back to Node's default and ends the process at once.
 */

/** An AbortSignal tied to SIGINT/SIGTERM, and a dispose() that removes the handlers. */
export function interruptSignal(onInterrupt?: () => void): {
  signal: AbortSignal;
  dispose(): void;
} {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals) => {
    dispose();
    onInterrupt?.();
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  const dispose = () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return { signal: controller.signal, dispose };
}
