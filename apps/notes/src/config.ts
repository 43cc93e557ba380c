/**
 * Configuration from the environment (issue 4, deploy contract): every secret may also arrive as
 * a file named by `<NAME>_FILE` (Docker secrets under /run/secrets). All problems are collected
 * and reported together; secret values never appear in messages.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readLoginProviders, type LoginProvidersConfig } from './login/config.ts';

/** Everything the app reads from its environment, validated. */
export interface Config {
  port: number;
  host: string;
  production: boolean;
  /** `mysql://user@host:3306/db` or `sqlite:/path/file.sqlite3` (development and tests). */
  databaseUrl: string;
  /** Overrides the password in DATABASE_URL when set (DATABASE_PASSWORD[_FILE]). */
  databasePassword: string | undefined;
  userServiceUrl: string;
  userauthApiUser: string;
  userauthApiKey: string;
  sessionSecret: string;
  /** Where browsers reach the app; decides whether cookies are `Secure`. */
  publicUrl: string;
  /** "Log in with X / <OpenID provider>" (issue 22); empty when none is configured. */
  loginProviders: LoginProvidersConfig;
}

/** A configuration the app refuses to start with; `problems` lists every reason. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

/**
 * Read NAME or NAME_FILE. The file wins; both set with different values is an error because one
 * of them is surely a mistake the operator wants to hear about.
 */
export function readSecret(env: Env, name: string, problems: string[]): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return direct === '' ? undefined : direct;
  let fromFile: string;
  try {
    fromFile = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    problems.push(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
    return undefined;
  }
  if (direct !== undefined && direct !== '' && direct !== fromFile) {
    problems.push(`${name} and ${name}_FILE are both set and differ; set only one`);
  }
  return fromFile;
}

function parsePort(value: string | undefined, problems: string[]): number {
  if (value === undefined || value === '') return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`PORT: expected an integer 0-65535, got "${value}"`);
  }
  return port;
}

function checkUrl(name: string, value: string, problems: string[]): void {
  try {
    new URL(value);
  } catch {
    problems.push(`${name}: expected a URL, got "${value}"`);
  }
}

/** Build the configuration from `env`; throws ConfigError listing every problem. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';
  const port = parsePort(env.PORT, problems);
  const databaseUrl = env.DATABASE_URL ?? (production ? '' : 'sqlite:notes-dev.sqlite3');
  if (databaseUrl === '') problems.push('DATABASE_URL: required in production');
  else if (!/^(mysql|mariadb|sqlite):/.test(databaseUrl)) {
    problems.push(
      `DATABASE_URL: expected mysql://… or sqlite:…, got scheme of "${databaseUrl.split(':')[0] ?? ''}"`,
    );
  }
  const userServiceUrl = env.USER_SERVICE_URL ?? 'http://userauth:3333';
  checkUrl('USER_SERVICE_URL', userServiceUrl, problems);
  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${port}`;
  checkUrl('PUBLIC_URL', publicUrl, problems);
  const userauthApiKey = readSecret(env, 'USERAUTH_API_KEY', problems);
  if (userauthApiKey === undefined && production) problems.push('USERAUTH_API_KEY: required');
  let sessionSecret = readSecret(env, 'SESSION_SECRET', problems);
  if (sessionSecret === undefined) {
    if (production) problems.push('SESSION_SECRET: required in production');
    // Development only: sessions then end with the process, which is fine on a laptop.
    sessionSecret = randomBytes(32).toString('hex');
  } else if (sessionSecret.length < 32) {
    problems.push('SESSION_SECRET: must be at least 32 characters');
  }
  const databasePassword = readSecret(env, 'DATABASE_PASSWORD', problems);
  const loginProviders = readLoginProviders(
    env,
    (name) => readSecret(env, name, problems),
    production,
    problems,
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    production,
    databaseUrl,
    databasePassword,
    userServiceUrl,
    userauthApiUser: env.USERAUTH_API_USER ?? 'them',
    userauthApiKey: userauthApiKey ?? '',
    sessionSecret,
    publicUrl,
    loginProviders,
  };
}
