/** Pure rules: return-URL checking, note form validation, configuration from the environment. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { readNoteForm, safeReturnTo } from '../../src/routes/forms.ts';

describe('safeReturnTo', () => {
  it('keeps local paths with their query', () => {
    expect(safeReturnTo('/notes/view?key=a%20b')).toBe('/notes/view?key=a%20b');
    expect(safeReturnTo('/notes/add')).toBe('/notes/add');
  });

  it('sends everything else home', () => {
    for (const bad of [
      undefined,
      '',
      'notes',
      '//evil.example',
      '/\\evil.example',
      'https://evil.example',
      '/\t/evil.example',
      'javascript:alert(1)',
      '/users/logout',
    ]) {
      expect(safeReturnTo(bad)).toBe('/');
    }
  });
});

describe('readNoteForm', () => {
  it('trims key and title and normalises newlines', () => {
    expect(readNoteForm({ notekey: ' k ', title: ' T ', body: 'a\r\nb' })).toEqual({
      key: 'k',
      title: 'T',
      body: 'a\nb',
      errors: [],
    });
  });

  it('reports every problem', () => {
    expect(readNoteForm({ notekey: 'a\u0001', title: 'x'.repeat(201) }).errors).toEqual([
      'The key cannot contain control characters.',
      'The title can have at most 200 characters.',
    ]);
  });
});

describe('loadConfig', () => {
  it('reads secrets from *_FILE and refuses a conflicting plain value', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'notes-config-'));
    try {
      const file = join(dir, 'secret');
      await writeFile(file, 's'.repeat(40) + '\n');
      const base = {
        NODE_ENV: 'production',
        DATABASE_URL: 'mysql://notes@db:3306/notes',
        USERAUTH_API_KEY: 'k',
      };
      expect(loadConfig({ ...base, SESSION_SECRET_FILE: file }).sessionSecret).toBe('s'.repeat(40));
      expect(
        loadConfig({ ...base, SESSION_SECRET_FILE: file, SESSION_SECRET: 's'.repeat(40) })
          .sessionSecret,
      ).toBe('s'.repeat(40));
      expect(() =>
        loadConfig({ ...base, SESSION_SECRET_FILE: file, SESSION_SECRET: 't'.repeat(40) }),
      ).toThrow(/SESSION_SECRET and SESSION_SECRET_FILE are both set and differ/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists every missing production setting without printing values', () => {
    try {
      loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'short', PORT: 'x' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toContain('DATABASE_URL: required in production');
      expect(problems).toContain('USERAUTH_API_KEY: required');
      expect(problems).toContain('SESSION_SECRET: must be at least 32 characters');
      expect(problems.join('\n')).not.toContain('short');
    }
  });

  it('has the documented defaults', () => {
    const config = loadConfig({ SESSION_SECRET: 'x'.repeat(32) });
    expect(config.port).toBe(3000);
    expect(config.userServiceUrl).toBe('http://userauth:3333');
    expect(config.userauthApiUser).toBe('them');
  });
});
