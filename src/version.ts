/**
 * This notesctl's version, from package.json: src/ and dist/ (flat chunks) both sit one folder
 * below it.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The version `--version` prints and releases record. */
export const NOTESCTL_VERSION = (require('../package.json') as { version: string }).version;
