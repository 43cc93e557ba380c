/** Process entry (`node dist/server.js`): see boot.ts. Importing boot.ts starts nothing. */
import { main } from './boot.ts';

await main();
