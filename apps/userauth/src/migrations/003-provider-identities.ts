/**
 * Migration 003 (issue 22): provider accounts get provider-qualified usernames, so that a
 * provider account can never be found, returned or changed as a local account of the same name.
 * - `username` and `username_key` widen to 191 characters (`provider:handle`; 191 × 4 bytes
 *   still fits an InnoDB index key in utf8mb4). SQLite does not enforce VARCHAR lengths.
 * - a nullable `handle_key` (the lower-case handle of a provider account, indexed, not unique)
 *   lets old clients' `GET /find/<handle>` still find their account.
 * - existing rows whose provider is neither empty nor `local` are renamed `provider:username`
 *   (their provider lower-cased; characters a provider name cannot have become `-`). Nothing can
 *   collide: `:` was not allowed in usernames before.
 */
import { QueryTypes } from 'sequelize';
import { isLocalProvider, PROVIDER_MAX } from '../identity.ts';
import type { Migration } from './index.ts';

/** The provider name an old row's free-text provider becomes. */
export function legacyProviderName(provider: string): string {
  const name = provider
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, PROVIDER_MAX);
  return name === '' ? 'unknown' : name;
}

/** Qualify the usernames of existing provider accounts and add the handle key. */
export const providerIdentities: Migration = {
  name: '003-provider-identities',
  async up({ context: qi }) {
    const db = qi.sequelize;
    const dialect = db.getDialect();
    if (dialect === 'mysql' || dialect === 'mariadb') {
      await db.query(
        'ALTER TABLE users MODIFY username VARCHAR(191) NOT NULL,' +
          ' MODIFY username_key VARCHAR(191) NOT NULL,' +
          ' ADD COLUMN handle_key VARCHAR(64) NULL AFTER username_key',
      );
    } else {
      await db.query('ALTER TABLE users ADD COLUMN handle_key VARCHAR(64) NULL');
    }
    await qi.addIndex('users', ['handle_key'], { name: 'users_handle_key' });
    const rows = await db.query<{ id: number; username: string; provider: string }>(
      'SELECT id, username, provider FROM users',
      { type: QueryTypes.SELECT },
    );
    for (const row of rows) {
      if (isLocalProvider(row.provider) || row.username.includes(':')) continue;
      const provider = legacyProviderName(row.provider);
      const username = `${provider}:${row.username}`;
      await db.query(
        'UPDATE users SET username = ?, username_key = ?, handle_key = ?, provider = ? WHERE id = ?',
        {
          replacements: [
            username,
            username.toLowerCase(),
            row.username.toLowerCase(),
            provider,
            row.id,
          ],
          type: QueryTypes.UPDATE,
        },
      );
    }
  },
  async down() {
    // Undoing would give provider accounts names that local accounts may hold by now.
  },
};
