import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, readSecret } from '../../src/config.ts';
import { parseDatabaseUrl } from '../../src/database.ts';

const dir = mkdtempSync(join(tmpdir(), 'userauth-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secretFile = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('readSecret', () => {
  it('reads NAME_FILE, dropping one trailing newline', () => {
    const file = secretFile('k1', 'from-file\n');
    expect(readSecret({ KEY_FILE: file }, 'KEY')).toBe('from-file');
  });

  it('accepts the plain variable, and both when they agree', () => {
    expect(readSecret({ KEY: 'plain' }, 'KEY')).toBe('plain');
    expect(readSecret({ KEY: 'same', KEY_FILE: secretFile('k2', 'same') }, 'KEY')).toBe('same');
  });

  it('refuses both set with different values, without printing either', () => {
    const call = () =>
      readSecret({ KEY: 'one-value', KEY_FILE: secretFile('k3', 'other-value') }, 'KEY');
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(/KEY and KEY_FILE are both set and differ/);
    expect(call).not.toThrow(/one-value|other-value/);
  });

  it('names the file that cannot be read or is empty', () => {
    expect(() => readSecret({ KEY_FILE: join(dir, 'missing') }, 'KEY')).toThrow(
      /KEY_FILE=.*missing: cannot read/,
    );
    expect(() => readSecret({ KEY_FILE: secretFile('k4', '') }, 'KEY')).toThrow(/is empty/);
  });
});

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({ USERAUTH_API_KEY: 'k' });
    expect(config).toMatchObject({
      port: 3333,
      host: '0.0.0.0',
      apiUser: 'them',
      apiKey: 'k',
      apiKeyGenerated: false,
    });
    expect(config.databaseUrl).toBe('sqlite:userauth.sqlite');
  });

  it('refuses to start in production without an API key or database URL', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'mysql://u@h/d' })).toThrow(
      /USERAUTH_API_KEY or USERAUTH_API_KEY_FILE must be set/,
    );
    expect(() => loadConfig({ NODE_ENV: 'production', USERAUTH_API_KEY: 'k' })).toThrow(
      /DATABASE_URL must be set/,
    );
  });

  it('generates a random key in development', () => {
    const a = loadConfig({});
    const b = loadConfig({});
    expect(a.apiKeyGenerated).toBe(true);
    expect(a.apiKey.length).toBeGreaterThanOrEqual(32);
    expect(a.apiKey).not.toBe(b.apiKey);
  });

  it('rejects a bad port and a production scrypt cost below the default', () => {
    expect(() => loadConfig({ USERAUTH_API_KEY: 'k', PORT: 'abc' })).toThrow(
      /PORT: expected an integer/,
    );
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        USERAUTH_API_KEY: 'k',
        DATABASE_URL: 'sqlite:x',
        USERAUTH_SCRYPT_LOG_N: '10',
      }),
    ).toThrow(/USERAUTH_SCRYPT_LOG_N/);
    expect(loadConfig({ USERAUTH_API_KEY: 'k', USERAUTH_SCRYPT_LOG_N: '10' }).scryptLogN).toBe(10);
  });
});

describe('parseDatabaseUrl', () => {
  it('parses mysql URLs and never puts the password in the description', () => {
    const t = parseDatabaseUrl('mysql://userauth:s%40cret@db-userauth:3306/userauth');
    expect(t.options).toMatchObject({
      dialect: 'mysql',
      host: 'db-userauth',
      port: 3306,
      database: 'userauth',
      username: 'userauth',
      password: 's@cret',
    });
    expect(t.describe).toBe('mysql://userauth@db-userauth:3306/userauth');
  });

  it('takes the password from DATABASE_PASSWORD(_FILE) and refuses a conflicting one', () => {
    expect(parseDatabaseUrl('mariadb://u@h/d', 'pw').options).toMatchObject({
      password: 'pw',
      port: 3306,
    });
    expect(() => parseDatabaseUrl('mysql://u:a@h/d', 'b')).toThrow(/differs/);
  });

  it('parses sqlite paths and rejects other schemes', () => {
    expect(parseDatabaseUrl('sqlite:data/u.sqlite').options).toMatchObject({
      dialect: 'sqlite',
      storage: 'data/u.sqlite',
    });
    expect(parseDatabaseUrl('sqlite:///abs/u.sqlite').options).toMatchObject({
      storage: '/abs/u.sqlite',
    });
    expect(parseDatabaseUrl('sqlite::memory:').options).toMatchObject({ storage: ':memory:' });
    expect(() => parseDatabaseUrl('postgres://u@h/d')).toThrow(/unsupported scheme/);
    expect(() => parseDatabaseUrl('mysql://u@h/')).toThrow(/no database name/);
  });
});
