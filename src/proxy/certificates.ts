/**
 * Whether the edge proxy holds a certificate for a `tls: auto` hostname, and if not what its log
 * says about it (issue 19: "CA errors give a clear error that names the hostname and the CA's
 * message"). Pure: the shell text and the log parsing are tested as text. Caddy obtains
 * certificates in the background after it loads a configuration; these are what `up` asks it
 * afterwards, through exec and the container's log (its admin API has no certificate status).
 */
import { PROXY_CERTIFICATES } from './names.ts';

/**
 * The folder Caddy (certmagic) stores an ACME CA's certificates in, under PROXY_CERTIFICATES:
 * the directory URL's host and path, `/` and `:` as `-` (`https://pebble:14000/dir` →
 * `pebble-14000-dir`). Undefined for the default CAs (Let's Encrypt, ZeroSSL as its fallback).
 */
export function issuerFolder(ca: string | undefined): string | undefined {
  if (ca === undefined) return undefined;
  const url = new URL(ca);
  const path = url.pathname.replaceAll('/', '-').replace(/^-+|-+$/g, '');
  return `${url.host}${path ? `-${path}` : ''}`.toLowerCase().replaceAll(':', '-');
}

/**
 * A `sh` script that prints each of `hosts` that has a certificate from the ACME issuer (one per
 * line): from `folder` when the topology names its CA, else from any folder but `local` (the
 * proxy's own CA, `tls: internal`).
 */
export function certificateCheckScript(hosts: string[], folder: string | undefined): string {
  const q = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
  const from = folder === undefined ? '*' : q(folder);
  return [
    `cd ${q(PROXY_CERTIFICATES)} 2>/dev/null || exit 0`,
    `for h in ${hosts.map(q).join(' ')}; do`,
    `  for f in ${from}/"$h"/"$h".crt; do`,
    '    case "$f" in local/*) continue ;; esac',
    '    if [ -s "$f" ]; then echo "$h"; break; fi',
    '  done',
    'done',
  ].join('\n');
}

/** What the proxy's log says about a hostname without a certificate. */
export interface CertificateProblem {
  /** The CA's message (or the client's, when the CA could not be reached). */
  message: string;
  /** Caddy gave up this attempt and retries in this many seconds (undefined: still trying). */
  retryInS: number | undefined;
}

/** One line of Caddy's JSON log, as far as these checks read it. */
interface CaddyLine {
  level?: string;
  msg?: string;
  identifier?: string;
  identifiers?: string[];
  domains?: string[];
  error?: string;
  challenge_type?: string;
  problem_type?: string;
  retrying_in?: number;
}

/**
 * What Caddy logged about `host` in its latest attempt at a certificate (since it last began
 * managing it, or began an attempt), or undefined when it logged no error. The CA's own words
 * about a failed validation are in "challenge failed" (one per challenge type tried, with the
 * ACME problem type); an order the CA refused outright (a rate limit) or a CA that cannot be
 * reached shows in the attempt's last error. "will retry" ends an attempt and says when the next
 * one starts.
 */
export function certificateProblem(log: string[], host: string): CertificateProblem | undefined {
  const lines = log.flatMap((text) => parseLine(text));
  const start = lines.findLastIndex(
    (l) =>
      (l.msg === 'enabling automatic TLS certificate management' && l.domains?.includes(host)) ||
      (l.msg === 'obtaining certificate' && l.identifier === host),
  );
  const challenges = new Map<string, string>();
  let last: string | undefined;
  let retryInS: number | undefined;
  for (const line of lines.slice(start + 1)) {
    if (line.level !== 'error' || !line.error || !isAbout(line, host)) continue;
    // The job of a configuration that a reload replaced ends with this: no news about the CA.
    if (line.error.endsWith('context canceled')) continue;
    if (line.msg === 'challenge failed') {
      const problem = line.problem_type ? `${line.problem_type} - ` : '';
      challenges.set(line.challenge_type ?? '?', `${problem}${line.error}`);
    } else if (line.msg === 'will retry') {
      retryInS = line.retrying_in;
      last ??= line.error;
    } else {
      last = line.error;
    }
  }
  const said = [...challenges].map(([type, text]) => `${type}: ${text}`).join('; ');
  const message = said || last;
  return message === undefined ? undefined : { message: message.slice(0, 800), retryInS };
}

function isAbout(line: CaddyLine, host: string): boolean {
  return (
    line.identifier === host ||
    line.identifiers?.includes(host) === true ||
    line.error?.startsWith(`[${host}]`) === true
  );
}

function parseLine(text: string): CaddyLine[] {
  if (!text.startsWith('{')) return [];
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? [value] : [];
  } catch {
    return [];
  }
}
