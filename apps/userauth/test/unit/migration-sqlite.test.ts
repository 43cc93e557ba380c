/** Migration 003 on SQLite. */
import { describe } from 'vitest';
import { openDatabase, parseDatabaseUrl } from '../../src/database.ts';
import { defineMigrationTest } from '../migration-providers.ts';

describe('migrations (SQLite)', () => {
  defineMigrationTest(() => Promise.resolve(openDatabase(parseDatabaseUrl('sqlite::memory:'))));
});
