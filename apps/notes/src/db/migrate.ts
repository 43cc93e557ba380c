/**
 * Run pending migrations at start-up. Replicas may start together, so on MariaDB the run is
 * serialised with a named lock (`GET_LOCK`) held on one pinned connection for its duration;
 * the second replica waits, then finds nothing pending. SQLite has a single writer anyway.
 */
import type { Sequelize, Transaction } from 'sequelize';
import { QueryTypes } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import { log } from '../log.ts';
import { isSqlite } from './database.ts';
import { migrations, type MigrationContext } from './migrations.ts';

const LOCK_NAME = 'notes_migrations';
const LOCK_TIMEOUT_SECONDS = 60;

/** Apply every pending migration; returns the names applied. */
export async function migrate(sequelize: Sequelize): Promise<string[]> {
  const umzug = new Umzug<MigrationContext>({
    migrations,
    context: { queryInterface: sequelize.getQueryInterface(), dialect: sequelize.getDialect() },
    storage: new SequelizeStorage({ sequelize, tableName: 'notes_migrations' }),
    logger: undefined,
  });
  const run = async (): Promise<string[]> => {
    const applied = await umzug.up();
    const names = applied.map((m) => m.name);
    if (names.length > 0) log.info('migrations applied', { migrations: names });
    return names;
  };
  if (isSqlite(sequelize)) return run();

  // A transaction pins one pool connection; GET_LOCK belongs to that connection.
  const pinned: Transaction = await sequelize.transaction();
  try {
    const rows = await sequelize.query<{ got: number | null }>(
      'SELECT GET_LOCK(:name, :timeout) AS got',
      {
        replacements: { name: LOCK_NAME, timeout: LOCK_TIMEOUT_SECONDS },
        type: QueryTypes.SELECT,
        transaction: pinned,
      },
    );
    if (rows[0]?.got !== 1)
      throw new Error(`could not take the migration lock within ${LOCK_TIMEOUT_SECONDS}s`);
    try {
      return await run();
    } finally {
      await sequelize.query('SELECT RELEASE_LOCK(:name)', {
        replacements: { name: LOCK_NAME },
        transaction: pinned,
      });
    }
  } finally {
    await pinned.commit();
  }
}
