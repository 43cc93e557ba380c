/** Every route of issue 4 against a real MariaDB (test/bed/mariadb.ts), with a real userauth. */
import { randomBytes } from 'node:crypto';
import { startMariaDb } from '../../../../test/bed/mariadb.ts';
import { routeSuite } from '../helpers/route-suite.ts';

routeSuite('MariaDB', async () => {
  const server = await startMariaDb();
  const { url } = await server.createDatabase(`notes_${randomBytes(4).toString('hex')}`);
  return { url, cleanup: () => server.stop() };
});
