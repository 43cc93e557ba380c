/**
 * What an engine itself says about a project's containers, to hold `notesctl ps` to the truth in
 * fault tests (issue 7): the same id, name, state and health Docker lists, by service.
 */
import type Docker from 'dockerode';

/** One container as the engine lists it. */
export interface EngineContainer {
  id: string;
  name: string;
  state: string;
  /** healthy | unhealthy | starting, or '-' without a healthcheck status (as `ps` shows it). */
  health: string;
}

/** A row of `notesctl --json ps`. */
export interface PsRow {
  service: string;
  host: string;
  container: string;
  state: string;
  health: string;
}

/** The project's containers (all states) on `docker`, by service. */
export async function projectContainers(
  docker: Docker,
  project: string,
): Promise<Map<string, EngineContainer>> {
  const list = await docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [`io.notesctl.project=${project}`] }),
  });
  return new Map(
    list.map((c) => [
      c.Labels['io.notesctl.service'] ?? '?',
      {
        id: c.Id,
        name: (c.Names[0] ?? '').replace(/^\//, ''),
        state: c.State,
        health:
          /\((healthy|unhealthy|health: starting)\)/.exec(c.Status)?.[1]?.replace('health: ', '') ??
          '-',
      },
    ]),
  );
}

/**
 * Poll `view` until every one of `services` is running and healthy by the engine's own
 * healthchecks; resolves with the ms from `since` (a performance.now(); default the call) at
 * which each first was. Fails `deadlineMs` after `since`.
 */
export async function untilAllHealthy(
  view: () => Promise<Map<string, EngineContainer>>,
  services: string[],
  deadlineMs: number,
  since = performance.now(),
): Promise<Map<string, number>> {
  const started = since;
  const healthyAfter = new Map<string, number>();
  while (healthyAfter.size < services.length) {
    if (performance.now() - started > deadlineMs)
      throw new Error(
        `not all healthy within ${deadlineMs} ms: ${JSON.stringify([...(await view())])}`,
      );
    for (const [service, c] of await view())
      if (c.state === 'running' && c.health === 'healthy' && !healthyAfter.has(service))
        healthyAfter.set(service, Math.round(performance.now() - started));
    await new Promise((r) => setTimeout(r, 250));
  }
  return healthyAfter;
}

/**
 * Where `rows` (one `ps`) disagree with the engine: each row must name the container the engine
 * has for its service, in a state and health the engine reported in one of `views` — what it
 * said just before that `ps`, while it ran and just after (things move meanwhile); every service
 * the engine has at the end must be listed.
 */
export function psDisagreements(rows: PsRow[], views: Map<string, EngineContainer>[]): string[] {
  const problems: string[] = [];
  const said = (r: { state: string; health: string }) => `${r.state}/${r.health}`;
  for (const row of rows) {
    const truths = views
      .map((view) => view.get(row.service))
      .filter((c): c is EngineContainer => c !== undefined);
    if (truths.length === 0) {
      problems.push(`${row.service}: ps lists ${row.container}, the engine has no container`);
      continue;
    }
    if (!truths.some((c) => c.name === row.container && said(c) === said(row))) {
      const seen = [...new Set(truths.map((c) => `${c.name} ${said(c)}`))];
      problems.push(
        `${row.service}: ps says ${row.container} ${said(row)}, the engine ${seen.join(' then ')}`,
      );
    }
  }
  for (const service of views.at(-1)?.keys() ?? [])
    if (!rows.some((r) => r.service === service)) problems.push(`${service}: missing from ps`);
  return problems;
}
