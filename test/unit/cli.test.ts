import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.ts';

/** Parse argv and return what the CLI would dispatch, without running any command. */
async function dispatched(argv: string[]): Promise<{
  load: string;
  args: string[];
  options: Record<string, unknown>;
  globals: Record<string, unknown>;
}> {
  let result:
    | {
        load: string;
        args: string[];
        options: Record<string, unknown>;
        globals: Record<string, unknown>;
      }
    | undefined;
  const program = buildProgram(async (load, args, options) => {
    result = { load, args, options, globals: program.opts() };
    await Promise.resolve();
  });
  program.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  await program.parseAsync(argv, { from: 'user' });
  if (!result) throw new Error('nothing dispatched');
  return result;
}

describe('CLI wiring', () => {
  it('keeps -f as the topology file before the verb and as --follow after `logs`', async () => {
    const r = await dispatched(['-f', 'other.yaml', 'logs', '-f', '--tail', '5', 'notes']);
    expect(r.load).toBe('logs');
    expect(r.globals.file).toBe('other.yaml');
    expect(r.options).toMatchObject({ follow: true, tail: '5' });
    expect(r.args).toEqual(['notes']);
  });

  it('accepts the common flags after the verb too', async () => {
    const r = await dispatched(['ps', '--json', '-q']);
    expect(r.options).toMatchObject({ json: true, quiet: true });
  });

  it('dispatches users verbs by their bare name', async () => {
    expect((await dispatched(['users', 'find', 'ann'])).args).toEqual(['find', 'ann']);
    expect((await dispatched(['users', 'password-check', 'ann', '--password-stdin'])).args).toEqual(
      ['password-check', 'ann'],
    );
  });

  it('rejects unknown commands, options and extra arguments', async () => {
    await expect(dispatched(['frob'])).rejects.toMatchObject({ code: 'commander.unknownCommand' });
    await expect(dispatched(['up', '--bogus'])).rejects.toMatchObject({
      code: 'commander.unknownOption',
    });
    await expect(dispatched(['ps', 'extra'])).rejects.toMatchObject({
      code: 'commander.excessArguments',
    });
    await expect(dispatched(['exec'])).rejects.toMatchObject({ code: 'commander.missingArgument' });
  });

  it('lists every verb in --help', () => {
    const out = new PassThrough();
    let help = '';
    const program = buildProgram(() => Promise.resolve());
    program.configureOutput({ writeOut: (s) => (help += s) });
    program.outputHelp();
    out.end();
    for (const verb of [
      'up',
      'down',
      'ps',
      'logs',
      'exec',
      'plan',
      'build',
      'users',
      'provision',
      'hosts',
    ]) {
      expect(help).toMatch(new RegExp(`\\n  ${verb}\\b`));
    }
    expect(help).toContain('Examples:');
  });
});
