/**
 * node:http, loaded through require. `import` of node:http builds its ESM facade, which reads
 * every export and so loads the bundled fetch client (undici) — about 70 ms of a command's
 * start-up. Every module that needs node:http at run time takes it from here.
 */
import { createRequire } from 'node:module';

export const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');
