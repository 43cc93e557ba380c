/** The full REST contract against a real server process on a real MariaDB. */
import { startMariaDb, type MariaDb } from '../../../../test/bed/mariadb.ts';
import { afterAll, describe } from 'vitest';
import { openDatabase, parseDatabaseUrl } from '../../src/database.ts';
import { defineMigrationTest } from '../migration-providers.ts';
import { defineContractTests } from '../contract.ts';
import { defineProviderContractTests } from '../contract-providers.ts';
import { mariadbTarget } from './mariadb-target.ts';

// One MariaDB server for both suites (each has its own database and service process).
let server: Promise<MariaDb> | undefined;
const shared = () => (server ??= startMariaDb());
afterAll(async () => {
  await (await server)?.stop();
});

defineContractTests('MariaDB, real process', async () => mariadbTarget(await shared(), 'contract'));
defineProviderContractTests('MariaDB, real process', async () =>
  mariadbTarget(await shared(), 'providers'),
);

describe('migrations (MariaDB)', () => {
  defineMigrationTest(async () => {
    const { url, password } = await (
      await shared()
    ).createDatabase(`userauth_migration_${process.pid}`);
    return openDatabase(parseDatabaseUrl(url, password));
  });
});
