/**
 * Rules for healthchecks: test forms and durations, and `condition: healthy` only on services
 * that really have a healthcheck (declared here, or a HEALTHCHECK in the Dockerfile they build).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { dockerfileHasHealthcheck } from '../dockerfile.ts';
import { parseDuration } from '../durations.ts';
import { normalizeHealthTest } from '../healthcheck-test.ts';
import type { RawService } from '../schema.ts';
import { type RuleContext, type Rule, buildOf, resolvePath, servicesOf } from './context.ts';
import { dependenciesOf } from './references.ts';

/** `test:` has a Docker form; interval and timeout are longer than zero. */
export const checkHealthchecks: Rule = (context) => {
  for (const [name, service] of servicesOf(context)) {
    const check = service.healthcheck;
    if (!check) continue;
    const path = ['services', name, 'healthcheck'];
    const test = normalizeHealthTest(check.test);
    if ('error' in test) context.problems.report([...path, 'test'], test.error);
    for (const key of ['interval', 'timeout'] as const) {
      const value = check[key];
      if (value !== undefined && parseDuration(value) < 1) {
        context.problems.report(
          [...path, key],
          `expected a duration of at least 1ms, got ${JSON.stringify(value)}`,
        );
      }
    }
  }
};

/** Whether a service's container reports health: 'yes', 'no' (with why), or 'unknown'. */
function healthOf(
  context: RuleContext,
  service: RawService,
): { yes: true } | { no: string } | undefined {
  if (service.healthcheck) {
    const test = normalizeHealthTest(service.healthcheck.test);
    if ('error' in test) return undefined;
    return test.test[0] === 'NONE'
      ? { no: 'its healthcheck is disabled (["NONE"])' }
      : { yes: true };
  }
  const build = buildOf(service);
  if (!build) return { no: `image "${service.image ?? ''}" is not known to define one` };
  let text: string;
  const folder = resolvePath(context.directory, context.home, build.context);
  try {
    text = readFileSync(resolve(folder, build.dockerfile), 'utf8');
  } catch {
    return undefined; // the build rule reports the missing Dockerfile
  }
  if (dockerfileHasHealthcheck(text, build.target)) return { yes: true };
  return { no: `${build.context}/${build.dockerfile} has no HEALTHCHECK` };
}

/** `depends_on: {x: healthy}` needs x to have a healthcheck, or it would never become healthy. */
export const checkHealthyDependencies: Rule = (context) => {
  const services = new Map(servicesOf(context));
  for (const [name, service] of services) {
    for (const dependency of dependenciesOf(service.depends_on)) {
      if (dependency.condition !== 'healthy') continue;
      const target = services.get(dependency.name);
      if (!target) continue;
      const health = healthOf(context, target);
      if (!health || 'yes' in health) continue;
      context.problems.report(
        ['services', name, 'depends_on', dependency.at],
        `"healthy" needs a healthcheck on ${dependency.name}, but ${health.no} — add services.${dependency.name}.healthcheck or use "started"`,
        'key',
      );
    }
  }
};
