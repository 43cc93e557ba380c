/** The committed JSON Schema is generated from the zod schema and must not go stale. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderJsonSchema, schemaFile } from '../../../scripts/gen-schema.ts';

describe('schema/notesctl.schema.json', () => {
  it('matches the zod schema (run `node scripts/gen-schema.ts` after changing it)', async () => {
    expect(readFileSync(schemaFile, 'utf8')).toBe(await renderJsonSchema());
  });

  it('describes the top-level keys, requires project and services, allows x- anchors', async () => {
    const schema = JSON.parse(await renderJsonSchema()) as {
      required: string[];
      properties: Record<string, unknown>;
      additionalProperties: boolean;
      patternProperties: Record<string, unknown>;
    };
    expect(schema.required).toEqual(['project', 'services']);
    expect(Object.keys(schema.properties)).toEqual([
      'project',
      'host',
      'hosts',
      'clusters',
      'proxy',
      'releases',
      'networks',
      'volumes',
      'secrets',
      'services',
    ]);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.patternProperties)).toEqual(['^x-']);
  });
});
