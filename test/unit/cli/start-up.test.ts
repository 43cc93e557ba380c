/**
 * Start-up stays lean (issue 18 §1): `--version` and `--help` load no command module, and a
 * command loads its own module only (with what it imports), when it runs or shows its help.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ENTRY = join(import.meta.dirname, '..', '..', 'support', 'notesctl-entry.ts');
const TRACE = join(import.meta.dirname, 'trace-imports.ts');
const run = promisify(execFile);

/** The src/commands/ files `notesctl ...args` loads. */
async function commandFilesLoaded(args: string[]): Promise<string[]> {
  const { stderr } = await run(process.execPath, ['--import', TRACE, ENTRY, ...args], {
    timeout: 20_000,
  });
  return JSON.parse(stderr) as string[];
}

/** The modules of commands (not their support code). */
function commandModules(files: string[]): string[] {
  return files.filter((f) => !f.startsWith('src/commands/support/') && !f.endsWith('/context.ts'));
}

describe('start-up', () => {
  it.concurrent('loads no command module for --version or --help', async () => {
    expect(await commandFilesLoaded(['--version'])).toEqual([]);
    expect(await commandFilesLoaded(['--help'])).toEqual([]);
    expect(await commandFilesLoaded(['users', '--help'])).toEqual([]);
  });

  it.concurrent('loads only the module of the command whose help is shown', async () => {
    expect(commandModules(await commandFilesLoaded(['logs', '--help']))).toEqual([
      'src/commands/logs.ts',
    ]);
    expect(commandModules(await commandFilesLoaded(['help', 'up']))).toEqual([
      'src/commands/up.ts',
    ]);
    expect(commandModules(await commandFilesLoaded(['hosts', 'rm', '--help']))).toEqual([
      'src/commands/hosts/rm.ts',
    ]);
  });
});
