/** Rules for what must be present: at least one service, and an image or a build for each. */
import { type Rule, servicesOf } from './context.ts';

/** `services:` must declare at least one service. */
export const requireServices: Rule = (context) => {
  const { raw, declared, problems } = context;
  if (
    raw.services !== undefined &&
    declared.services.length === 0 &&
    !problems.hasUnder(['services'])
  ) {
    problems.report(['services'], 'expected at least one service');
  }
};

/** Each service needs exactly one of `image:` and `build:`. */
export const requireImageOrBuild: Rule = (context) => {
  for (const [name, service] of servicesOf(context)) {
    // Presence in the file, not validity: an invalid `image:` is reported by the schema.
    const given = (key: string): boolean => context.problems.locator.has(['services', name, key]);
    if (service.image !== undefined && service.build !== undefined) {
      context.problems.report(
        ['services', name, 'build'],
        'use either image: or build:, not both — build: makes the image',
        'key',
      );
    } else if (!given('image') && !given('build')) {
      context.problems.report(
        ['services', name],
        'missing "image" or "build" — say which image to run or which folder to build',
        'key',
      );
    }
  }
};
