/**
 * The id of this notesctl build: a digest of the sources and locked dependencies that
 * scripts/build.ts writes into the bundle. What notesctl keeps between runs to save work (the
 * topology cache, checked host records) is valid for one build only; running from sources there
 * is no id, and nothing is kept.
 */
declare const NOTESCTL_BUILD: string | undefined;

/** The build id, undefined when running from sources. */
export const BUILD_ID: string | undefined =
  typeof NOTESCTL_BUILD === 'string' ? NOTESCTL_BUILD : undefined;
