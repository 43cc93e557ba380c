/**
 * Run pending migrations at start-up. On MariaDB/MySQL the run is wrapped in a named lock
 * (GET_LOCK), so two replicas starting together take turns: the second waits, then finds
 * nothing pending. SQLite is single-process here and needs no lock.
 */
import type { Sequelize } from 'sequelize';
import { QueryTypes } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import type { Logger } from './log.ts';
import { migrations } from './migrations/index.ts';

const LOCK_NAME = 'userauth_migrations';
const LOCK_TIMEOUT_S = 60;

/** Apply every pending migration; returns the names applied. */
export async function migrate(db: Sequelize, log: Logger): Promise<string[]> {
  const umzug = new Umzug({
    migrations,
    context: db.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize: db, tableName: 'userauth_migrations' }),
    logger: undefined,
  });
  const run = async () => {
    const applied = await umzug.up();
    for (const m of applied) log.info('migration applied', { name: m.name });
    return applied.map((m) => m.name);
  };
  if (db.getDialect() !== 'mysql' && db.getDialect() !== 'mariadb') return run();
  // GET_LOCK belongs to a session, so take and release it inside one transaction, which pins a
  // single pooled connection; the migrations themselves run on other connections of the pool.
  return db.transaction(async (transaction) => {
    const rows = await db.query<{ locked: number | null }>('SELECT GET_LOCK(?, ?) AS locked', {
      replacements: [LOCK_NAME, LOCK_TIMEOUT_S],
      type: QueryTypes.SELECT,
      transaction,
    });
    if (rows[0]?.locked !== 1) {
      throw new Error(`could not take the migration lock within ${LOCK_TIMEOUT_S}s`);
    }
    try {
      return await run();
    } finally {
      await db.query('SELECT RELEASE_LOCK(?)', {
        replacements: [LOCK_NAME],
        type: QueryTypes.SELECT,
        transaction,
      });
    }
  });
}
