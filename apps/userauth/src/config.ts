/**
 * Configuration from the environment. Secrets may arrive as files (`*_FILE`, as the orchestrator
 * mounts them under /run/secrets); a file and a plain variable with different values is refused
 * rather than silently preferring one.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEFAULT_SCRYPT_LOG_N } from './password.ts';
import { DEFAULT_CHECK_LIMITS, parseBucketLimit, type CheckLimits } from './rate-limit.ts';

/** Everything the service needs to start, resolved from the environment. */
export interface Config {
  production: boolean;
  port: number;
  host: string;
  databaseUrl: string;
  /** From DATABASE_PASSWORD(_FILE); overrides nothing in the URL unless they agree. */
  databasePassword: string | undefined;
  apiUser: string;
  apiKey: string;
  /** True when no key was configured and one was generated (development only). */
  apiKeyGenerated: boolean;
  /** log2 of scrypt's N for new hashes; existing hashes with other parameters are upgraded. */
  scryptLogN: number;
  /** How long to keep retrying the first database connection. */
  dbConnectTimeoutMs: number;
  /** Rate limits of /passwordCheck (rate-limit.ts). */
  checkLimits: CheckLimits;
}

/** A configuration problem the operator must fix; the server prints it and exits 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** Read NAME or NAME_FILE; both set with different values is an error. Never logs the value. */
export function readSecret(env: Env, name: string): string | undefined {
  const plain = env[name];
  const file = env[`${name}_FILE`];
  let fromFile: string | undefined;
  if (file) {
    try {
      // Editors and `echo` add a trailing newline; it is never part of the secret.
      fromFile = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new ConfigError(`${name}_FILE=${file}: cannot read (${(err as Error).message})`);
    }
    if (fromFile === '') throw new ConfigError(`${name}_FILE=${file}: file is empty`);
  }
  if (fromFile !== undefined && plain && plain !== fromFile) {
    throw new ConfigError(`${name} and ${name}_FILE are both set and differ; set only one`);
  }
  return fromFile ?? (plain || undefined);
}

function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}: expected an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function readLimit(env: Env, name: string, fallback: CheckLimits['perSource']) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  try {
    return parseBucketLimit(name, raw);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

/** Resolve the configuration; throws ConfigError with a message naming the variable. */
export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const apiKeyConfigured = readSecret(env, 'USERAUTH_API_KEY');
  if (production && !apiKeyConfigured) {
    throw new ConfigError(
      'USERAUTH_API_KEY or USERAUTH_API_KEY_FILE must be set in production (there is no built-in key)',
    );
  }
  const databaseUrl = env.DATABASE_URL || (production ? '' : 'sqlite:userauth.sqlite');
  if (!databaseUrl) throw new ConfigError('DATABASE_URL must be set in production');
  // Production may raise the cost but never go below the chosen default; tests may go lower.
  const scryptLogN = readInt(
    env,
    'USERAUTH_SCRYPT_LOG_N',
    DEFAULT_SCRYPT_LOG_N,
    production ? DEFAULT_SCRYPT_LOG_N : 1,
    20,
  );
  return {
    production,
    port: readInt(env, 'PORT', 3333, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    databasePassword: readSecret(env, 'DATABASE_PASSWORD'),
    apiUser: env.USERAUTH_API_USER || 'them',
    apiKey: apiKeyConfigured ?? randomBytes(24).toString('base64url'),
    apiKeyGenerated: !apiKeyConfigured,
    scryptLogN,
    dbConnectTimeoutMs: readInt(env, 'DB_CONNECT_TIMEOUT_MS', 60_000, 0, 3_600_000),
    checkLimits: {
      perSource: readLimit(env, 'USERAUTH_CHECK_LIMIT_SOURCE', DEFAULT_CHECK_LIMITS.perSource),
      perUsername: readLimit(env, 'USERAUTH_CHECK_LIMIT_USER', DEFAULT_CHECK_LIMITS.perUsername),
    },
  };
}
