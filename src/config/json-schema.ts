/**
 * The published JSON Schema for notesctl.config.yaml (editor completion and checks), generated
 * from the same zod schema that validates the file, so the two cannot disagree.
 */
import { z } from 'zod';
import { topologySchema } from './schema.ts';

/** Where the generated schema is committed, relative to the repository root. */
export const JSON_SCHEMA_PATH = 'schema/notesctl.schema.json';

/** The JSON Schema (draft 2020-12) of the topology file. */
export function buildJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(topologySchema, { target: 'draft-2020-12', io: 'input' });
  return {
    $schema: generated.$schema,
    title: 'notesctl topology (notesctl.config.yaml)',
    description:
      'Services, networks, volumes, secrets and hosts of one project. See docs/topology.md.',
    ...generated,
    // Top-level `x-…` keys hold YAML anchors for reuse and are ignored (validate.ts drops them).
    patternProperties: { '^x-': {} },
  };
}
