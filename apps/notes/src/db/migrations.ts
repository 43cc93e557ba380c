/**
 * Versioned schema migrations, in code (not a glob) so the compiled image needs no extra files.
 * Append new migrations; never edit one that has shipped.
 */
import { DataTypes, type QueryInterface } from 'sequelize';
import type { RunnableMigration } from 'umzug';

/** What every migration receives. */
export interface MigrationContext {
  queryInterface: QueryInterface;
  dialect: string;
}

/**
 * MariaDB: utf8mb4 everywhere; note keys compare byte-wise (`utf8mb4_bin`) as in SQLite, so
 * `Key` and `key` are different notes in both engines and in URLs.
 */
function keyType(dialect: string): string {
  return dialect === 'mysql'
    ? 'VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin'
    : 'VARCHAR(100)';
}

/** MEDIUMTEXT on MariaDB (TEXT stops at 64 KiB); SQLite has one TEXT type. */
function longText(dialect: string): DataTypes.DataType {
  return dialect === 'mysql' ? DataTypes.TEXT('medium') : DataTypes.TEXT;
}

const tableOptions = { charset: 'utf8mb4', collate: 'utf8mb4_unicode_ci', engine: 'InnoDB' };

/** The ordered list of migrations. */
export const migrations: RunnableMigration<MigrationContext>[] = [
  {
    name: '0001-initial-schema',
    async up({ context: { queryInterface: qi, dialect } }) {
      await qi.createTable(
        'notes',
        {
          notekey: { type: keyType(dialect), primaryKey: true, allowNull: false },
          title: { type: DataTypes.STRING(200), allowNull: false },
          body: { type: longText(dialect), allowNull: false },
          author: { type: DataTypes.STRING(100), allowNull: false },
          author_name: { type: DataTypes.STRING(200), allowNull: false },
          created_at: { type: DataTypes.DATE, allowNull: false },
          updated_at: { type: DataTypes.DATE, allowNull: false },
        },
        tableOptions,
      );
      // The home page lists (notekey, title) ordered by title: a covering index serves it.
      await qi.addIndex('notes', ['title', 'notekey'], { name: 'notes_title_key' });
      await qi.createTable(
        'comments',
        {
          id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
          notekey: {
            type: keyType(dialect),
            allowNull: false,
            references: { model: 'notes', key: 'notekey' },
            onDelete: 'CASCADE',
            onUpdate: 'CASCADE',
          },
          author: { type: DataTypes.STRING(100), allowNull: false },
          author_name: { type: DataTypes.STRING(200), allowNull: false },
          body: { type: DataTypes.TEXT, allowNull: false },
          created_at: { type: DataTypes.DATE, allowNull: false },
        },
        tableOptions,
      );
      await qi.addIndex('comments', ['notekey', 'id'], { name: 'comments_notekey_id' });
      await qi.createTable(
        'events',
        {
          id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
          kind: { type: DataTypes.STRING(32), allowNull: false },
          notekey: { type: keyType(dialect), allowNull: true },
          data: { type: longText(dialect), allowNull: false },
          created_at: { type: DataTypes.DATE, allowNull: false },
        },
        tableOptions,
      );
      await qi.addIndex('events', ['created_at'], { name: 'events_created_at' });
      // One row whose lock orders event writers, so event ids become visible in id order.
      await qi.createTable(
        'event_clock',
        {
          id: { type: DataTypes.INTEGER, primaryKey: true },
          ticks: { type: DataTypes.BIGINT, allowNull: false },
        },
        tableOptions,
      );
      await qi.bulkInsert('event_clock', [{ id: 1, ticks: 0 }]);
      await qi.createTable(
        'session_revocations',
        {
          sid: { type: DataTypes.STRING(64), primaryKey: true },
          expires_at: { type: DataTypes.DATE, allowNull: false },
        },
        tableOptions,
      );
    },
    async down({ context: { queryInterface: qi } }) {
      for (const table of ['session_revocations', 'event_clock', 'events', 'comments', 'notes']) {
        await qi.dropTable(table);
      }
    },
  },
];
