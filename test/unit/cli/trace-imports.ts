/**
 * Preloaded with `node --import` by start-up.test.ts: at exit, print on stderr (as JSON) the
 * files under src/commands/ this process loaded.
 */
import { registerHooks } from 'node:module';

const loaded: string[] = [];
registerHooks({
  load(url, context, nextLoad) {
    const at = url.indexOf('/src/commands/');
    if (at >= 0) loaded.push(url.slice(at + 1));
    return nextLoad(url, context);
  },
});
process.on('exit', () => process.stderr.write(JSON.stringify(loaded)));
