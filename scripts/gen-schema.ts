/**
 * Write schema/notesctl.schema.json from the zod schema in src/config/schema.ts.
 *   node scripts/gen-schema.ts          write it
 *   node scripts/gen-schema.ts --check  exit 1 if the committed file is stale
 * test/unit/config/json-schema.test.ts fails too when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { JSON_SCHEMA_PATH, buildJsonSchema } from '../src/config/json-schema.ts';

/** Absolute path of the committed schema file. */
export const schemaFile = join(import.meta.dirname, '..', JSON_SCHEMA_PATH);

/** The schema file's exact text: generated, then formatted as `prettier --check` expects. */
export async function renderJsonSchema(): Promise<string> {
  const options = (await resolveConfig(schemaFile)) ?? {};
  return format(JSON.stringify(buildJsonSchema(), null, 2), { ...options, parser: 'json' });
}

if (import.meta.main) {
  const text = await renderJsonSchema();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(schemaFile, 'utf8');
    } catch {
      // A missing file is as stale as an old one.
    }
    if (current !== text) {
      console.error(`${JSON_SCHEMA_PATH} is stale: run node scripts/gen-schema.ts`);
      process.exit(1);
    }
    console.log(`${JSON_SCHEMA_PATH} is up to date`);
  } else {
    writeFileSync(schemaFile, text);
    console.log(`wrote ${JSON_SCHEMA_PATH}`);
  }
}
