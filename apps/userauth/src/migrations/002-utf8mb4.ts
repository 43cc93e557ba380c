/**
 * Migration 002: the users table in utf8mb4 on MariaDB. 001 left the character set to the
 * server's default, which is latin1 on a server without Debian's configuration (the issue 7
 * fuzz run, on such a server, got 500s for "Incorrect string value" on a given name with a
 * zero-width space or an emoji). Converting is a no-op where the table is utf8mb4 already.
 * utf8mb4_unicode_ci keeps comparisons and ORDER BY case-insensitive, as latin1's default
 * collation was; usernames are ASCII, so their unique key means what it meant before.
 */
import type { Migration } from './index.ts';

/** Convert `users` to utf8mb4 (MariaDB/MySQL only; SQLite stores UTF-8 anyway). */
export const usersUtf8mb4: Migration = {
  name: '002-users-utf8mb4',
  async up({ context: qi }) {
    const dialect = qi.sequelize.getDialect();
    if (dialect !== 'mysql' && dialect !== 'mariadb') return;
    await qi.sequelize.query(
      'ALTER TABLE users CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci',
    );
  },
  async down() {
    // Converting back could lose characters latin1 cannot hold: nothing to undo safely.
  },
};
