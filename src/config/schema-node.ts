/**
 * `hosts.NAME.node` (issue 21): where a plain server's Node.js comes from and which version.
 * Only the shape lives here; which keys go together, the mirror's URL and the file are rules
 * (src/config/rules/node.ts).
 */
import { z } from 'zod';
import { NODE_SOURCES } from '../model/node.ts';
import { expected, pattern, strict, text } from './schema-parts.ts';
import { suggest } from './suggest.ts';

const sourceError = (issue: { input?: unknown }): string => {
  const input = typeof issue.input === 'string' ? issue.input : '';
  const close = suggest(input, NODE_SOURCES);
  const hint = close === undefined ? '' : ` — did you mean "${close}"?`;
  return `${expected(NODE_SOURCES.map((s) => `"${s}"`).join(' or '))(issue)}${hint}`;
};

const versionError = expected('a major like 24 or an exact version like "24.11.1"');

/** The `node:` mapping of a host. */
export const nodeSchema = strict(
  {
    source: z
      .enum(NODE_SOURCES, { error: sourceError })
      .optional()
      .describe(
        'Where Node.js comes from: "nodejs.org" (the default: official tarballs checked against SHASUMS256.txt), "npm" (the registry package node-linux-ARCH) or "file" (an official tarball on this machine)',
      ),
    mirror: text('a URL')
      .optional()
      .describe(
        'source nodejs.org: a mirror with the layout of https://nodejs.org/dist (index.json, vX.Y.Z/SHASUMS256.txt, tarballs)',
      ),
    file: text('a file path')
      .optional()
      .describe(
        'source file: an official node-vX.Y.Z-linux-ARCH.tar.xz or .tar.gz on this machine (a SHASUMS256.txt beside it is checked)',
      ),
    version: z
      .union(
        [
          z.int({ error: versionError }).min(1, { error: versionError }),
          pattern(/^\d+(?:\.\d+\.\d+)?$/, 'a major like 24 or an exact version like "24.11.1"'),
        ],
        { error: versionError },
      )
      .optional()
      .describe(
        'A major (24) or an exact version ("24.11.1"); default: the major of the apps\' engines.node',
      ),
  },
  'a mapping with source, mirror, file, version',
);
