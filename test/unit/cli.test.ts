import { describe, expect, it } from 'vitest';
import { buildProgram, globalOptions, type Invocation } from '../../src/cli.ts';

/** Parse argv and return what the CLI would run, without running it. */
async function dispatched(
  argv: string[],
): Promise<Invocation & { path: string; globals: Record<string, unknown> }> {
  let result: (Invocation & { path: string; globals: Record<string, unknown> }) | undefined;
  const program = buildProgram(async (invocation) => {
    const path = [invocation.command.parent?.name(), invocation.command.name()].join(' ');
    result = { ...invocation, path, globals: { ...globalOptions(program, invocation.command) } };
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
    expect(r.path).toBe('notesctl logs');
    expect(r.globals.file).toBe('other.yaml');
    expect(r.options).toEqual({
      services: ['notes'],
      follow: true,
      tail: '5',
      since: undefined,
      timestamps: false,
    });
  });

  it('hands each command its typed options, defaults included', async () => {
    expect((await dispatched(['up', '--no-wait', 'notes'])).options).toEqual({
      services: ['notes'],
      build: false,
      forceRecreate: false,
      removeOrphans: false,
      wait: false,
    });
    expect((await dispatched(['up'])).options).toMatchObject({ services: [], wait: true });
    expect((await dispatched(['exec', '-T', 'notes', '--', 'ls', '-l'])).options).toEqual({
      service: 'notes',
      cmd: ['ls', '-l'],
      tty: false,
      user: undefined,
    });
    expect((await dispatched(['provision', 'digitalocean', 'web1'])).options).toEqual({
      name: 'web1',
      region: 'fra1',
      size: 's-1vcpu-2gb',
      image: 'debian-12-x64',
      extraTags: [],
    });
  });

  it('accepts the common flags after the verb too', async () => {
    const r = await dispatched(['ps', '--json', '-q']);
    expect(r.globals).toMatchObject({ json: true, quiet: true });
  });

  it('refuses -q with -v, on either side of the verb', async () => {
    await expect(dispatched(['-q', 'ps', '-v'])).rejects.toThrow(/cannot be used together/);
  });

  it('runs each users and hosts subcommand from its own module', async () => {
    const find = await dispatched(['users', 'find', 'ann']);
    expect([find.path, find.options]).toEqual(['users find', { username: 'ann' }]);
    const check = await dispatched(['users', 'password-check', 'ann', '--password-stdin']);
    expect([check.path, check.options]).toEqual([
      'users password-check',
      { username: 'ann', passwordStdin: true },
    ]);
    const rm = await dispatched(['hosts', 'rm', 'web1', '-y']);
    expect([rm.path, rm.options]).toEqual(['hosts rm', { name: 'web1', yes: true }]);
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
});
