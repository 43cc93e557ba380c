/**
 * What `up` reads about `tls: auto` certificates (src/proxy/certificates.ts, issue 19): where
 * Caddy stores an ACME CA's certificates, the check run in the proxy, and the CA's message found
 * in Caddy's log. The log lines are Caddy 2.6.2's own, from a run against Pebble with one name
 * Pebble could resolve (site.test) and one it could not (nowhere.test), then a reload.
 */
import { describe, expect, it } from 'vitest';
import {
  certificateCheckScript,
  certificateProblem,
  issuerFolder,
} from '../../../src/proxy/certificates.ts';

const start = (ts: number, domains: string[]) =>
  JSON.stringify({
    level: 'info',
    ts,
    logger: 'http',
    msg: 'enabling automatic TLS certificate management',
    domains,
  });
const PROBLEM =
  'HTTP 400 urn:ietf:params:acme:error:malformed - Error occurred while resolving URL "nowhere.test": "lookup nowhere.test on 127.0.0.11:53: i/o timeout"';
const CHALLENGE_FAILED = JSON.stringify({
  level: 'error',
  logger: 'http.acme_client',
  msg: 'challenge failed',
  identifier: 'nowhere.test',
  challenge_type: 'http-01',
  problem_type: 'urn:ietf:params:acme:error:connection',
  error: 'Get "http://nowhere.test:80/.well-known/acme-challenge/x": i/o timeout',
});
const FROM_ISSUER = JSON.stringify({
  level: 'error',
  logger: 'tls.obtain',
  msg: 'could not get certificate from issuer',
  identifier: 'nowhere.test',
  issuer: 'pebble:14000-dir',
  error: PROBLEM,
});
const WILL_RETRY = JSON.stringify({
  level: 'error',
  logger: 'tls.obtain',
  msg: 'will retry',
  error: `[nowhere.test] Obtain: [nowhere.test] solving challenge: nowhere.test: [nowhere.test] authorization failed: ${PROBLEM} (ca=https://pebble:14000/dir)`,
  attempt: 1,
  retrying_in: 60,
});
const OCSP = JSON.stringify({
  level: 'warn',
  logger: 'tls',
  msg: 'stapling OCSP',
  error: 'no OCSP stapling for [site.test]: no OCSP server specified in certificate',
  identifiers: ['site.test'],
});
const CANCELED = JSON.stringify({
  level: 'error',
  logger: 'tls',
  msg: 'job failed',
  error: 'nowhere.test: obtaining certificate: context canceled',
});

describe('issuerFolder', () => {
  it("is certmagic's storage key of the ACME directory", () => {
    expect(issuerFolder('https://pebble:14000/dir')).toBe('pebble-14000-dir');
    expect(issuerFolder('https://acme-v02.api.letsencrypt.org/directory')).toBe(
      'acme-v02.api.letsencrypt.org-directory',
    );
    expect(issuerFolder('https://ca.example.com/acme/v2/dir/')).toBe('ca.example.com-acme-v2-dir');
    expect(issuerFolder(undefined)).toBeUndefined();
  });
});

describe('certificateCheckScript', () => {
  it("looks in the issuer's folder, quoting every name", () => {
    expect(certificateCheckScript(['site.test', "o'dd.test"], 'pebble-14000-dir')).toBe(
      [
        "cd '/data/caddy/certificates' 2>/dev/null || exit 0",
        `for h in 'site.test' 'o'\\''dd.test'; do`,
        `  for f in 'pebble-14000-dir'/"$h"/"$h".crt; do`,
        '    case "$f" in local/*) continue ;; esac',
        '    if [ -s "$f" ]; then echo "$h"; break; fi',
        '  done',
        'done',
      ].join('\n'),
    );
  });

  it("takes any issuer but the proxy's own CA when the topology names none", () => {
    expect(certificateCheckScript(['a.example'], undefined)).toContain(
      '  for f in */"$h"/"$h".crt; do',
    );
  });
});

describe('certificateProblem', () => {
  it("gives the CA's words on each challenge, and when Caddy tries again", () => {
    const log = [
      start(1, ['site.test', 'nowhere.test']),
      CHALLENGE_FAILED,
      FROM_ISSUER,
      WILL_RETRY,
    ];
    expect(certificateProblem(log, 'nowhere.test')).toEqual({
      message:
        'http-01: urn:ietf:params:acme:error:connection - Get "http://nowhere.test:80/.well-known/acme-challenge/x": i/o timeout',
      retryInS: 60,
    });
  });

  it("gives the CA's refusal of the order itself (a rate limit)", () => {
    const limited =
      'HTTP 429 urn:ietf:params:acme:error:rateLimited - Error creating new order :: too many certificates already issued for "nowhere.test"';
    const log = [
      start(1, ['nowhere.test']),
      FROM_ISSUER.replace(JSON.stringify(PROBLEM), JSON.stringify(limited)),
      WILL_RETRY,
    ];
    expect(certificateProblem(log, 'nowhere.test')).toEqual({ message: limited, retryInS: 60 });
  });

  it('is still trying after a failed challenge (the next challenge type comes)', () => {
    const log = [start(1, ['nowhere.test']), CHALLENGE_FAILED];
    expect(certificateProblem(log, 'nowhere.test')?.retryInS).toBeUndefined();
  });

  it("forgets an earlier attempt's errors once the next attempt begins", () => {
    const obtaining = JSON.stringify({
      level: 'info',
      logger: 'tls.obtain',
      msg: 'obtaining certificate',
      identifier: 'nowhere.test',
    });
    const log = [start(1, ['nowhere.test']), CHALLENGE_FAILED, WILL_RETRY, obtaining];
    expect(certificateProblem(log, 'nowhere.test')).toBeUndefined();
  });

  it('ignores other names, warnings, non-JSON lines and a replaced configuration', () => {
    const log = [
      'not json',
      start(1, ['site.test', 'nowhere.test']),
      FROM_ISSUER,
      WILL_RETRY,
      start(2, ['site.test', 'nowhere.test']),
      CANCELED,
      OCSP,
    ];
    expect(certificateProblem(log, 'nowhere.test')).toBeUndefined();
    expect(certificateProblem(log, 'site.test')).toBeUndefined();
  });
});
