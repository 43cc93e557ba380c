/** Every route of issue 4 against SQLite, with a real userauth process for the login paths. */
import { routeSuite } from '../helpers/route-suite.ts';
import { tempSqlite } from '../helpers/notes-app.ts';

routeSuite('SQLite', async () => {
  const db = await tempSqlite();
  return { url: db.url, cleanup: () => db.remove() };
});
