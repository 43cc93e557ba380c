/**
 * Hostnames of `services.NAME.http.hosts` (issue 19): their format, the message for a value
 * that is something else (a URL, a host:port), and which names a public CA can certify — that
 * decides the default `tls` and whether `tls: auto` can work.
 */
import { isIPv4 } from 'node:net';
import { describeValue } from './schema-parts.ts';
import type { PathSegment } from './locate.ts';

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';

/**
 * A DNS name (labels of letters, digits and inner hyphens, at most 63 each) or an IPv4
 * address, optionally behind a leading `*.` wildcard; any case (they are lower-cased). No
 * flags: the pattern is published in the JSON Schema as it is.
 */
export const HOSTNAME = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`);

/** Longest DNS name (RFC 1035). */
export const MAX_HOSTNAME_LENGTH = 253;

/**
 * Top-level names no public CA issues certificates under: RFC 6761's special-use names, RFC
 * 6762's `.local`, `.internal` (ICANN, 2024), `.home.arpa` (RFC 8375) and the common `.lan`.
 */
export const SPECIAL_USE_SUFFIXES = [
  'example',
  'home.arpa',
  'internal',
  'invalid',
  'lan',
  'local',
  'localhost',
  'test',
] as const;

/** The message for a `hosts` entry that is not a hostname: what to write instead when we can tell. */
export function hostnameError(issue: { input?: unknown }): string {
  const input = issue.input;
  const like = 'a hostname like "notes.example.com"';
  if (typeof input !== 'string') return `expected ${like}, got ${describeValue(input)}`;
  const shown = describeValue(input);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) {
    const host = URL.canParse(input) ? new URL(input).hostname : '';
    const fix = HOSTNAME.test(host) ? `: write ${host}` : '';
    return `expected a hostname, got a URL${fix === '' ? ` ${shown}` : fix}`;
  }
  if (input === '*') {
    return `expected a hostname, got "*" — leave hosts out to serve every hostname`;
  }
  const slash = input.indexOf('/');
  if (slash > 0 && HOSTNAME.test(input.slice(0, slash))) {
    return `expected a hostname without a path, got ${shown}: write ${input.slice(0, slash)} (the proxy routes by hostname only)`;
  }
  const port = /^(.+):\d+$/.exec(input);
  if (port?.[1] !== undefined && HOSTNAME.test(port[1])) {
    return `expected a hostname without a port, got ${shown}: write ${port[1]} (the proxy listens on proxy.ports)`;
  }
  return `expected ${like} (letters, digits, "-" and ".", "*." first for a wildcard), got ${shown}`;
}

/**
 * Why a public CA (Let's Encrypt) cannot certify `host`, or undefined when it can. A wildcard is
 * judged by the name under it (whether ACME can issue wildcards at all is another rule's).
 */
export function privateReason(host: string): string | undefined {
  const name = host.toLowerCase().replace(/^\*\./, '');
  if (isIPv4(name)) return 'an IP address';
  const labels = name.split('.');
  if (labels.length < 2)
    return name === 'localhost' ? 'a name for this machine' : 'a single-label name';
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return 'not a DNS name';
  const suffix = SPECIAL_USE_SUFFIXES.find((s) => name === s || name.endsWith(`.${s}`));
  return suffix === undefined ? undefined : `a special-use name, .${suffix}`;
}

/** Whether a public CA can certify `host`: a DNS name under a public top-level domain. */
export function isPublicHostname(host: string): boolean {
  return privateReason(host) === undefined;
}

/** One entry of `http.hosts` as written, with its key path (`hosts` itself for a single string). */
export interface HostEntry {
  /** Lower-cased. */
  name: string;
  path: PathSegment[];
}

/** The entries of `http.hosts` (a string or a list), lower-cased, each with its key path. */
export function hostEntries(
  hosts: string | string[] | undefined,
  base: readonly PathSegment[],
): HostEntry[] {
  if (hosts === undefined) return [];
  if (typeof hosts === 'string') return [{ name: hosts.toLowerCase(), path: [...base] }];
  return hosts.map((host, i) => ({ name: host.toLowerCase(), path: [...base, i] }));
}

/**
 * `tls` when a service names none: `auto` as soon as one hostname can get a public certificate,
 * else `off` — asking Let's Encrypt for `localhost` or `notes.test` could only fail.
 */
export function defaultTls(hosts: readonly string[]): 'auto' | 'off' {
  return hosts.some(isPublicHostname) ? 'auto' : 'off';
}
