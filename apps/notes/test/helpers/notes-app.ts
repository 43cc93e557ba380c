/**
 * Start a notes replica in the test process (real HTTP server on a free loopback port) against a
 * given database, counting the SQL statements its requests run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNotes, type Notes } from '../../src/boot.ts';
import { loadConfig } from '../../src/config.ts';
import { setQuietLogging } from '../../src/log.ts';

/** A replica under test. */
export interface TestNotes {
  url: string;
  notes: Notes;
  /** SQL statements run by requests since the last reset. */
  queries: string[];
  stop(): Promise<void>;
}

/** A fixed secret, so two replicas accept each other's cookies. */
export const TEST_SESSION_SECRET = 'test-session-secret-0123456789abcdef';

/** Start a replica; `userauth` is the real service's URL and key. */
export async function startTestNotes(options: {
  databaseUrl: string;
  userauthUrl?: string;
  userauthKey?: string;
  env?: Record<string, string>;
}): Promise<TestNotes> {
  setQuietLogging(process.env.NOTES_TEST_LOGS !== '1');
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: options.databaseUrl,
    USER_SERVICE_URL: options.userauthUrl ?? 'http://127.0.0.1:9',
    USERAUTH_API_KEY: options.userauthKey ?? 'unused',
    SESSION_SECRET: TEST_SESSION_SECRET,
    ...options.env,
  });
  const queries: string[] = [];
  const notes = await startNotes(config, {
    onQuery: (sql) => queries.push(sql),
    pollIntervalMs: 100,
  });
  await notes.ready;
  return { url: notes.url, notes, queries, stop: () => notes.close() };
}

/** A fresh SQLite file URL in its own directory, and its removal. */
export async function tempSqlite(): Promise<{ url: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'notes-test-'));
  return {
    url: `sqlite:${join(dir, 'notes.sqlite3')}`,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
