/**
 * The engine's own record of what happened to a test project's containers: the events of the
 * containers carrying `labels` from `since` (seconds) until now, read from GET /events.
 */
import type Docker from 'dockerode';

/** One container event, as the engine reports it. */
export interface ContainerEvent {
  Action: string;
  timeNano: number;
  Actor: { Attributes: Record<string, string> };
}

/** The events of containers carrying every one of `labels` (`key=value`) since `since`. */
export async function containerEvents(
  docker: Docker,
  labels: string[],
  since: number,
): Promise<ContainerEvent[]> {
  const stream = await docker.getEvents({
    since,
    until: Math.ceil(Date.now() / 1000) + 1,
    filters: JSON.stringify({ type: ['container'], label: labels }),
  });
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ContainerEvent);
}
