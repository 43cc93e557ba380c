/**
 * Every wrong value at every key gets one of our messages (what was expected, what was found),
 * never zod's generic wording: a sweep over the schema's keys with values of every YAML type.
 */
import { describe, expect, it } from 'vitest';
import { problemsOf } from './helpers.ts';

const VALUES = ['1', '-1', '1.5', 'true', 'null', 'x y', '[]', '[1]', '[{}]', '{}', '{ a: 1 }'];

const SERVICE_KEYS = [
  'image',
  'build',
  'build.context',
  'build.dockerfile',
  'build.args',
  'build.target',
  'env',
  'env.A',
  'secrets',
  'secrets.A',
  'networks',
  'volumes',
  'ports',
  'expose',
  'depends_on',
  'depends_on.b',
  'depends_on.b.condition',
  'healthcheck',
  'healthcheck.test',
  'healthcheck.interval',
  'healthcheck.retries',
  'restart',
  'stop_grace_period',
  'command',
  'entrypoint',
  'user',
  'host',
  'http',
  'http.hosts',
  'http.port',
  'http.path',
  'http.tls',
  'http.tls.cert',
  'http.drain_timeout',
  'replicas',
];

/** A topology with `value` placed at `key` (a dotted path) inside service `a`. */
function withServiceValue(key: string, value: string): string {
  const parts = key.split('.');
  const nested = parts.reduceRight((inner, part) => `{ ${part}: ${inner} }`, value);
  const fixed = parts[0] === 'build' ? '' : 'image: nginx:1, ';
  return `project: t\nservices:\n  b: { image: nginx:1 }\n  a: { ${fixed}${nested.slice(2, -2)} }\n`;
}

const TOP_LEVEL = [
  ['project', (v: string) => `project: ${v}\nservices: { a: { image: nginx:1 } }\n`],
  ['hosts', (v: string) => `project: t\nhosts: ${v}\nservices: { a: { image: nginx:1 } }\n`],
  [
    'hosts.h',
    (v: string) => `project: t\nhosts: { h: ${v} }\nservices: { a: { image: nginx:1 } }\n`,
  ],
  [
    'hosts.h.ssh',
    (v: string) => `project: t\nhosts: { h: { ssh: ${v} } }\nservices: { a: { image: nginx:1 } }\n`,
  ],
  [
    'hosts.h.runtime',
    (v: string) =>
      `project: t\nhosts: { h: { ssh: root@h, runtime: ${v} } }\nservices: { a: { image: nginx:1 } }\n`,
  ],
  [
    'networks.n',
    (v: string) => `project: t\nnetworks: { n: ${v} }\nservices: { a: { image: nginx:1 } }\n`,
  ],
  [
    'networks.n.internal',
    (v: string) =>
      `project: t\nnetworks: { n: { internal: ${v} } }\nservices: { a: { image: nginx:1 } }\n`,
  ],
  [
    'volumes.v',
    (v: string) => `project: t\nvolumes: { v: ${v} }\nservices: { a: { image: nginx:1 } }\n`,
  ],
  [
    'secrets.s',
    (v: string) => `project: t\nsecrets: { s: ${v} }\nservices: { a: { image: nginx:1 } }\n`,
  ],
  [
    'secrets.s.generate',
    (v: string) =>
      `project: t\nsecrets: { s: { generate: ${v} } }\nservices: { a: { image: nginx:1 } }\n`,
  ],
  [
    'secrets.s.length',
    (v: string) =>
      `project: t\nsecrets: { s: { generate: true, length: ${v} } }\nservices: { a: { image: nginx:1 } }\n`,
  ],
  ['proxy', (v: string) => `project: t\nproxy: ${v}\nservices: { a: { image: nginx:1 } }\n`],
  ...[
    'image',
    'ports',
    'ports.http',
    'ports.https',
    'acme',
    'acme.email',
    'acme.ca',
    'acme.ca_root',
  ].map(
    (key) =>
      [
        `proxy.${key}`,
        (v: string) =>
          `project: t\nproxy: ${key.split('.').reduceRight((inner, part) => `{ ${part}: ${inner} }`, v)}\nservices: { a: { image: nginx:1 } }\n`,
      ] as const,
  ),
  ['services', (v: string) => `project: t\nservices: ${v}\n`],
  ['services.a', (v: string) => `project: t\nservices: { a: ${v} }\n`],
] as const;

/** zod's own wording, which must never reach users. */
const GENERIC = /Invalid input|Too (small|big)|Unrecognized key|Invalid (key|option|element)/;

describe('messages for wrong values', () => {
  it.each(SERVICE_KEYS.flatMap((key) => VALUES.map((value) => [key, value])))(
    'services.a.%s = %s',
    (key, value) => {
      for (const line of problemsOf(withServiceValue(key, value)))
        expect(line).not.toMatch(GENERIC);
    },
  );

  it.each(TOP_LEVEL.flatMap(([key, make]) => VALUES.map((value) => [key, value, make] as const)))(
    '%s = %s',
    (_key, value, make) => {
      for (const line of problemsOf(make(value))) expect(line).not.toMatch(GENERIC);
    },
  );
});
