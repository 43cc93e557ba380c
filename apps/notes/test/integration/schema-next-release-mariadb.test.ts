/**
 * Rollback safety (issue 19): `notesctl rollback` runs the previous release of notes on the
 * schema the newer release left behind, so notes' migrations must stay backward-compatible for
 * one release (expand now, contract one release later — apps/notes/README.md). This suite runs
 * today's app, as "release N-1", with every route test of issue 4, on a MariaDB database that a
 * "release N" has already migrated: today's migrations plus an expand step of the kind the rule
 * allows (a new column with a default, a nullable column, a new table referencing notes), whose
 * record in the migrations table N-1 does not know. A change that broke the older release — a
 * model reading columns by position, a migrator refusing unknown history, an insert without
 * the new column's default — fails here.
 */
import { randomBytes } from 'node:crypto';
import { DataTypes } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import { startMariaDb } from '../../../../test/bed/mariadb.ts';
import { openDatabase } from '../../src/db/database.ts';
import { migrations, type MigrationContext } from '../../src/db/migrations.ts';
import { routeSuite } from '../helpers/route-suite.ts';

/** What a next release would add first: only additions, each harmless to the release before. */
const nextReleaseExpand = {
  name: '9000-next-release-expand',
  async up({ context: { queryInterface: qi } }: { context: MigrationContext }) {
    await qi.addColumn('notes', 'pinned', {
      type: DataTypes.BOOLEAN,
      allowNull: false,
      defaultValue: false,
    });
    await qi.addColumn('comments', 'edited_at', { type: DataTypes.DATE, allowNull: true });
    await qi.createTable(
      'note_reactions',
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        notekey: {
          type: 'VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
          allowNull: false,
          references: { model: 'notes', key: 'notekey' },
          onDelete: 'CASCADE',
          onUpdate: 'CASCADE',
        },
        emoji: { type: DataTypes.STRING(16), allowNull: false },
      },
      { charset: 'utf8mb4', collate: 'utf8mb4_unicode_ci', engine: 'InnoDB' },
    );
  },
};

routeSuite('MariaDB, on the schema of the next release (rollback)', async () => {
  const server = await startMariaDb();
  const { url } = await server.createDatabase(`notes_${randomBytes(4).toString('hex')}`);
  // Release N migrates first, through the same migrations table the app uses.
  const sequelize = openDatabase({ url });
  try {
    const umzug = new Umzug<MigrationContext>({
      migrations: [...migrations, nextReleaseExpand],
      context: { queryInterface: sequelize.getQueryInterface(), dialect: sequelize.getDialect() },
      storage: new SequelizeStorage({ sequelize, tableName: 'notes_migrations' }),
      logger: undefined,
    });
    const applied = await umzug.up();
    if (applied.at(-1)?.name !== nextReleaseExpand.name)
      throw new Error(`release N's migrations did not run: ${applied.map((m) => m.name).join()}`);
  } finally {
    await sequelize.close();
  }
  return { url, cleanup: () => server.stop() };
});
