/**
 * Migration 003 (issue 22) on a database that holds rows from before it: migrations 001-002
 * are applied, rows are written as the old service wrote them, then the service's own
 * migrate() runs 003. Used against SQLite (unit) and MariaDB (integration).
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import { expect, it } from 'vitest';
import { silentLogger } from '../src/log.ts';
import { migrate } from '../src/migrate.ts';
import { migrations } from '../src/migrations/index.ts';
import { createUserStore } from '../src/users.ts';

const OLD_ROWS = [
  ['alice', 'local'],
  ['bob', ''],
  ['_jack', 'twitter'],
  ['alice2', 'Twitter'],
  ['carol', 'my provider'],
] as const;

/** Register the migration test; `open` gives a fresh, empty database. */
export function defineMigrationTest(open: () => Promise<Sequelize>): void {
  it('migration 003 qualifies existing provider accounts and keeps local ones', async () => {
    const db = await open();
    try {
      const umzug = new Umzug({
        migrations: migrations.slice(0, 2),
        context: db.getQueryInterface(),
        storage: new SequelizeStorage({ sequelize: db, tableName: 'userauth_migrations' }),
        logger: undefined,
      });
      await umzug.up();
      const now = new Date();
      for (const [username, provider] of OLD_ROWS) {
        await db.getQueryInterface().bulkInsert('users', [
          {
            username,
            username_key: username.toLowerCase(),
            password_hash: null,
            provider,
            family_name: '',
            given_name: username,
            middle_name: '',
            emails: '[]',
            photos: '[]',
            created_at: now,
            updated_at: now,
          },
        ]);
      }
      expect(await migrate(db, silentLogger)).toEqual(['003-provider-identities']);
      const rows = await db.query<{
        username: string;
        username_key: string;
        handle_key: string | null;
        provider: string;
      }>('SELECT username, username_key, handle_key, provider FROM users ORDER BY id', {
        type: QueryTypes.SELECT,
      });
      expect(rows).toEqual([
        { username: 'alice', username_key: 'alice', handle_key: null, provider: 'local' },
        { username: 'bob', username_key: 'bob', handle_key: null, provider: '' },
        {
          username: 'twitter:_jack',
          username_key: 'twitter:_jack',
          handle_key: '_jack',
          provider: 'twitter',
        },
        {
          username: 'twitter:alice2',
          username_key: 'twitter:alice2',
          handle_key: 'alice2',
          provider: 'twitter',
        },
        {
          username: 'my-provider:carol',
          username_key: 'my-provider:carol',
          handle_key: 'carol',
          provider: 'my-provider',
        },
      ]);
      // Through the store: old clients' bare handle still finds the migrated account, a local
      // name its local account, and a new provider account of a local name is a new account.
      const users = createUserStore(db, { log: silentLogger, scryptLogN: 4 });
      expect((await users.find('_jack'))?.username).toBe('twitter:_jack');
      expect((await users.find('alice'))?.provider).toBe('local');
      const { user, created } = await users.findOrCreate({
        username: 'alice',
        provider: 'twitter',
      });
      expect({ username: user.username, created }).toEqual({
        username: 'twitter:alice',
        created: true,
      });
      // A long qualified name fits the widened column (MariaDB refuses over-long values).
      const long = 'p'.repeat(32);
      const handle = 'h'.repeat(64);
      const made = await users.findOrCreate({ username: handle, provider: long });
      expect(made.user.username).toBe(`${long}:${handle}`);
      expect(await migrate(db, silentLogger)).toEqual([]);
    } finally {
      await db.close();
    }
  });
}
