/**
 * Containers' exits as the engine announces them: its `die` events, streamed from one
 * GET /events kept open while a plan runs. The engine reports `die` when the process has ended,
 * before its clean-up (network endpoints, mounts), which takes it another 150–250 ms here; a
 * stop call returns only after that. `down` uses the event to stop a container's dependencies
 * as soon as it has exited. A watch that fails or is slow says nothing: callers always have the
 * stop call's own answer to fall back on.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { type ApiTarget, query, requestTarget } from './api-request.ts';
import type { ExitWatch, Labels } from './engine.ts';
import { http } from './node-http.ts';

interface DieEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string };
  id?: string;
}

/** Open the watch for containers carrying `labels`; close() ends the stream. */
export function watchExits(target: ApiTarget, prefix: string, labels: Labels): ExitWatch {
  const exited = new Set<string>();
  const waiting = new Map<string, () => void>();
  const promises = new Map<string, Promise<void>>();
  const filters = JSON.stringify({
    type: ['container'],
    event: ['die'],
    label: Object.entries(labels).map(([k, v]) => `${k}=${v}`),
  });
  let closed = false;
  let req: ClientRequest | undefined;

  const onEvent = (line: string): void => {
    let event: DieEvent;
    try {
      event = JSON.parse(line) as DieEvent;
    } catch {
      return;
    }
    const id = event.Actor?.ID ?? event.id;
    if (id === undefined || event.Action !== 'die') return;
    exited.add(id);
    waiting.get(id)?.();
    waiting.delete(id);
  };
  const onResponse = (res: IncomingMessage): void => {
    if (res.statusCode !== 200) {
      res.resume();
      return;
    }
    res.setEncoding('utf8');
    let buffered = '';
    res.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') onEvent(line);
      }
    });
    res.on('error', () => undefined);
  };
  req = http.request(
    { ...requestTarget(target), method: 'GET', path: `${prefix}/events${query({ filters })}` },
    onResponse,
  );
  req.on('error', () => undefined);
  req.end();

  return {
    exited(containerId: string): Promise<void> {
      let promise = promises.get(containerId);
      if (promise) return promise;
      promise = exited.has(containerId)
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiting.set(containerId, resolve));
      promises.set(containerId, promise);
      return promise;
    },
    close(): void {
      if (closed) return;
      closed = true;
      req?.destroy();
      req = undefined;
      waiting.clear();
    },
  };
}
