/**
 * Typed progress events. The core emits them; src/output renders them (spinners on a TTY,
 * timestamped lines in CI logs, JSON lines with --json).
 */

/** Something that happened while applying a plan or building/shipping images. */
export type ApplyEvent =
  | { type: 'op-start'; id: string; service: string | undefined; text: string }
  | { type: 'op-progress'; id: string; text: string }
  | { type: 'op-done'; id: string; text: string; ms: number }
  | { type: 'op-failed'; id: string; text: string; error: string }
  | { type: 'note'; text: string };

/** Receives events; renderers implement it. */
export type EventSink = (event: ApplyEvent) => void;
