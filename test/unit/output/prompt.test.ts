import { beforeEach, describe, expect, it, vi } from 'vitest';

const inquirer = vi.hoisted(() => ({
  confirm: vi.fn(() => Promise.resolve(true)),
  input: vi.fn(() => Promise.resolve('ann')),
  password: vi.fn(() => Promise.resolve('secret')),
}));
vi.mock('@inquirer/prompts', () => inquirer);

const { askPassword, askText, askYesNo } = await import('../../../src/output/prompt.ts');

const onStderr = { output: process.stderr };

describe('prompts', () => {
  beforeEach(() => vi.clearAllMocks());

  it('asks yes/no on stderr with no as the default', async () => {
    expect(await askYesNo('Destroy web1?')).toBe(true);
    expect(inquirer.confirm).toHaveBeenCalledWith(
      { message: 'Destroy web1?', default: false },
      onStderr,
    );
  });

  it('asks for a required line of text on stderr', async () => {
    expect(await askText('Username:')).toBe('ann');
    expect(inquirer.input).toHaveBeenCalledWith({ message: 'Username:', required: true }, onStderr);
  });

  it('asks for a hidden answer with no mask unless one is given', async () => {
    expect(await askPassword('Passphrase for key:')).toBe('secret');
    expect(inquirer.password).toHaveBeenLastCalledWith(
      { message: 'Passphrase for key:' },
      onStderr,
    );
    await askPassword('Password:', { mask: '*' });
    expect(inquirer.password).toHaveBeenLastCalledWith(
      { message: 'Password:', mask: '*' },
      onStderr,
    );
  });
});
