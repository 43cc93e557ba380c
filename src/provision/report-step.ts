/**
 * A provisioning step as a reported operation: `op-start`, then `op-done` with the time it took,
 * or `op-failed` with the error's message (the error is rethrown). Used by `provision ssh`,
 * `provision digitalocean` and `hosts rm`, so their progress reads the same (issue 18 §4).
 */
import type { EventSink } from '../apply/events.ts';

/** Run `fn` as operation `id`, shown as `text` while it runs and as `done(value)` once done. */
export async function reportStep<T>(
  onEvent: EventSink,
  id: string,
  text: string,
  fn: () => Promise<T>,
  done?: (value: T) => string,
): Promise<T> {
  const started = Date.now();
  onEvent({ type: 'op-start', id, service: undefined, text });
  try {
    const value = await fn();
    onEvent({ type: 'op-done', id, text: done ? done(value) : text, ms: Date.now() - started });
    return value;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    onEvent({ type: 'op-failed', id, text, error: message });
    throw error;
  }
}
