/**
 * Building blocks of the topology schema: patterns for names and formats, and zod types whose
 * error messages say what was expected and what was found (`expected "HOST:CONTAINER", got
 * "3000"`), so the schema's own messages can be shown to users as they are.
 */
import { z } from 'zod';
import { didYouMean } from './suggest.ts';
import { RESOURCE_NAME } from '../model/names.ts';

export { RESOURCE_NAME };

/** Project names become label values and resource-name prefixes: lower case only. */
export const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** An environment variable name (POSIX). */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `500ms`, `10s`, `1m30s`, `1h`, `1.5s`. */
export const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/;
/** `HOST:CONTAINER[/proto]` or `IP:HOST:CONTAINER[/proto]`, IPv6 in brackets. */
export const PORT_SPEC =
  /^(?:(?:\[[0-9A-Fa-f:.]+\]|\d{1,3}(?:\.\d{1,3}){3}):)?\d+:\d+(?:\/(?:tcp|udp))?$/;
/** `volume:/absolute/path[:ro|:rw]` — named volumes only. */
export const VOLUME_SPEC = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}:\/[^:]*(?::(?:ro|rw))?$/;
/** A Docker image reference: `[registry[:port]/]name[:tag][@sha256:digest]`. */
export const IMAGE_REF =
  /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
/** `user@host[:port]`, IPv6 host in brackets. */
export const SSH_TARGET =
  /^[A-Za-z_][A-Za-z0-9_.-]*@(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::\d+)?$/;
/** Docker restart policies. */
export const RESTART = /^(?:no|always|unless-stopped|on-failure(?::\d+)?)$/;

/** How a value reads in a message: strings quoted, collections by kind. */
export function describeValue(input: unknown): string {
  if (typeof input === 'string') {
    const quoted = JSON.stringify(input);
    return quoted.length > 60 ? `${quoted.slice(0, 56)}…"` : quoted;
  }
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'number' || typeof input === 'boolean') return String(input);
  return 'a mapping';
}

/** An error function for zod: `expected <what>, got <input>`. */
export function expected(what: string): (issue: { input?: unknown }) => string {
  return (issue) => `expected ${what}, got ${describeValue(issue.input)}`;
}

/** A string matching `pattern`; one message for both "not a string" and "wrong format". */
export function pattern(regex: RegExp, what: string): z.ZodString {
  const error = expected(what);
  return z.string({ error }).regex(regex, { error });
}

/** A non-empty string. */
export function text(what = 'a string'): z.ZodString {
  const error = expected(what);
  return z.string({ error }).min(1, { error });
}

/** A name used as a mapping key (service, network, …): format errors explain the rule. */
export function nameKey(kind: string, regex = RESOURCE_NAME): z.ZodString {
  const rule =
    regex === PROJECT_NAME
      ? 'lower-case letters, digits, "_" and "-", starting with a letter or digit, at most 63'
      : 'letters, digits, "_", "." and "-", starting with a letter or digit, at most 63';
  const error = (issue: { input?: unknown }): string =>
    `invalid ${kind} name ${describeValue(issue.input)}: use ${rule}`;
  return z.string({ error }).regex(regex, { error });
}

/** A reference to a declared name (its existence is checked by the reference rules). */
export function nameRef(kind: string): z.ZodString {
  return nameKey(kind);
}

/** A mapping with exactly these keys; an unknown key gets a did-you-mean against them. */
export function strict<T extends z.ZodRawShape>(
  shape: T,
  what = 'a mapping',
): z.ZodObject<T, z.core.$strict> {
  const keys = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      // One line per unknown key; translateIssues splits them back onto each key's position.
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => `unknown key "${key}"${didYouMean(key, keys)}`).join('\n');
      }
      return expected(what)(issue);
    },
  });
}

/** A string, number or boolean (environment and build-arg values), made a string later. */
export const scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: expected('a string, number or boolean'),
});

const durationError = expected('a duration like "10s", "500ms" or "1m30s", or a number of seconds');

/** A duration: `"500ms"`, `"10s"`, `"1m30s"` or a number of seconds. */
export const duration = z.union(
  [
    z.number({ error: durationError }).min(0, { error: durationError }),
    z.string({ error: durationError }).regex(DURATION, { error: durationError }),
  ],
  { error: durationError },
);

const portError = expected('a port number 1-65535');

/** A TCP/UDP port number (a digit string is accepted: it may come from `${VAR}`). */
export const portNumber = z.union(
  [
    z.int({ error: portError }).min(1, { error: portError }).max(65535, { error: portError }),
    z.string({ error: portError }).regex(/^\d{1,5}$/, { error: portError }),
  ],
  { error: portError },
);

/** A whole number in a range. */
export function integer(min: number, max: number, what: string): z.ZodInt {
  const error = expected(what);
  return z.int({ error }).min(min, { error }).max(max, { error });
}

/** A mapping of names to values (`env:`, `networks:`, …): a wrong type says which mapping. */
export function mapping<K extends z.ZodString, V extends z.ZodType>(
  key: K,
  value: V,
  what: string,
): z.ZodRecord<K, V> {
  return z.record(key, value, { error: expected(what) });
}
