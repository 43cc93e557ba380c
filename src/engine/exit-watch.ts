/**
 * Containers' exits as the engine announces them: its `die` events, streamed from one
 * GET /events kept open while a plan runs. The engine reports `die` when the process has ended,
 * before its clean-up (network endpoints, mounts), which takes it another 150–250 ms here; a
 * stop call returns only after that. `down` uses the event to stop a container's dependencies
 * as soon as it has exited. A watch that fails or is slow says nothing: callers always have the
 * stop call's own answer to fall back on.
 */
import type { IncomingMessage } from 'node:http';
import { type ApiTarget, labelFilter, query, requestTarget } from './api-request.ts';
import type { ExitWatch, Labels } from './engine.ts';
import { http } from './node-http.ts';

interface DieEvent {
  Action?: string;
  Actor?: { ID?: string };
  id?: string;
}

/** Open the watch for containers carrying `labels`; close() ends the stream. */
export function watchExits(target: ApiTarget, prefix: string, labels: Labels): ExitWatch {
  /** One settled-once promise per container, made by whichever comes first: its event or a call. */
  const exits = new Map<string, PromiseWithResolvers<undefined>>();
  const exitOf = (id: string): PromiseWithResolvers<undefined> => {
    let exit = exits.get(id);
    if (!exit) {
      exit = Promise.withResolvers<undefined>();
      exits.set(id, exit);
    }
    return exit;
  };

  const onEvent = (line: string): void => {
    let event: DieEvent;
    try {
      event = JSON.parse(line) as DieEvent;
    } catch {
      return;
    }
    const id = event.Actor?.ID ?? event.id;
    if (id !== undefined && event.Action === 'die') exitOf(id).resolve(undefined);
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
  const filters = labelFilter(labels, [], { type: ['container'], event: ['die'] });
  const req = http.request(
    { ...requestTarget(target), method: 'GET', path: `${prefix}/events${query({ filters })}` },
    onResponse,
  );
  req.on('error', () => undefined);
  req.end();

  return {
    exited: (containerId) => exitOf(containerId).promise,
    // destroy() is idempotent.
    close: () => void req.destroy(),
  };
}
