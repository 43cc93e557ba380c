/** `hosts.NAME.node` → NodeSettings (issue 21), after the schema and the rules passed. */
import { DEFAULT_NODE_SETTINGS, NODEJS_ORG_DIST, type NodeSettings } from '../model/node.ts';
import { resolvePath } from './rules/context.ts';
import type { RawTopology } from './schema.ts';

type RawNode = NonNullable<RawTopology['hosts']>[string]['node'];

/** The settings of a plain server: its `node:` with the defaults (nodejs.org, engines' major). */
export function nodeSettingsOf(raw: RawNode, directory: string, home: string): NodeSettings {
  if (raw === undefined) return DEFAULT_NODE_SETTINGS;
  const version = raw.version === undefined ? undefined : String(raw.version);
  switch (raw.source ?? 'nodejs.org') {
    case 'npm':
      return { source: { kind: 'npm' }, version };
    case 'file':
      return {
        source: { kind: 'file', path: resolvePath(directory, home, raw.file ?? '') },
        version,
      };
    default:
      // A trailing slash would double in `${mirror}/index.json`.
      return {
        source: { kind: 'nodejs.org', mirror: (raw.mirror ?? NODEJS_ORG_DIST).replace(/\/+$/, '') },
        version,
      };
  }
}
