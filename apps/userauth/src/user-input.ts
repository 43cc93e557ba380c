/**
 * Validation of request bodies. Username rules (documented in the README and identity.ts):
 * local accounts 1-64 characters from `A-Z a-z 0-9 . _ @ + -`, starting with a letter or digit;
 * provider accounts (issue 22) a handle of the same characters, any of them first, stored as
 * `provider:handle`. Stored as given, unique case-insensitively (the database holds a lower-case
 * key with a UNIQUE index). `emails` and `photos` may be strings or Passport's `{value, type?}`
 * objects; both are stored as the strings.
 */
import { z } from 'zod';
import {
  identityOf,
  localNameProblem,
  normalizeProvider,
  QUALIFIED_MAX,
  USERNAME_MAX,
} from './identity.ts';

export { USERNAME_MAX } from './identity.ts';
/** Maximum password length; scrypt does not care, but unbounded input is an easy DoS. */
export const PASSWORD_MAX = 1024;

// Zod's default for a missing field is "expected string, received undefined"; say it plainly.
const typeError = (expected: string) => ({
  error: (issue: { input?: unknown }) =>
    issue.input === undefined ? 'is required' : `must be ${expected}`,
});
const str = typeError('a string');

/** A username of any account kind; identityOf() applies the rule of its provider. */
const usernameSchema = z
  .string(str)
  .min(1, 'is required')
  .max(QUALIFIED_MAX, `must be at most ${USERNAME_MAX} characters`);

const password = z
  .string(str)
  .min(1, 'is required')
  .max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`);

const text = (max: number) => z.string(str).max(max, `must be at most ${max} characters`);

/**
 * A list entry: a string, or Passport's profile shape `{value, type?}` (passport-twitter sends
 * `photos: [{value: "https://…"}]`, others `emails: [{value, type}]`); stored as the string.
 */
const entry = (itemMax: number) =>
  z
    .union([text(itemMax), z.looseObject({ value: text(itemMax), type: text(64).optional() })], {
      error: 'must be a string or an object with a string value',
    })
    .transform((item) => (typeof item === 'string' ? item : item.value));

const list = (itemMax: number) =>
  z
    .array(entry(itemMax), typeError('an array of strings or {value} objects'))
    .max(20, 'must have at most 20 entries');

/** Explicit consent to give a provider account a local password (form bodies send "true"). */
const allowLocalPassword = z
  .union([z.boolean(), z.enum(['true', 'false'])], typeError('a boolean'))
  .transform((v) => v === true || v === 'true')
  .optional();

const profile = {
  provider: text(64).optional(),
  familyName: text(255).optional(),
  givenName: text(255).optional(),
  middleName: text(255).optional(),
  emails: list(320).optional(),
  photos: list(2048).optional(),
};

const body = { error: 'request body must be a JSON object or a form' };

interface IdentityFields {
  username?: string | undefined;
  provider?: string | undefined;
  password?: string | undefined;
  allowLocalPassword?: boolean | undefined;
}

/**
 * Add the identity rule's problems to a parsed body: the provider's name, the username by its
 * provider's rule, and a password for a provider account only when asked for explicitly.
 * `passwordField` is false where a provider account's password is ignored (find-or-create).
 */
const checkIdentity = (passwordField: boolean) => (value: IdentityFields, ctx: z.RefinementCtx) => {
  const provider = normalizeProvider(value.provider);
  if (typeof provider !== 'string') {
    ctx.addIssue({ code: 'custom', path: ['provider'], message: provider.problem });
    return;
  }
  if (value.username !== undefined) {
    const identity = identityOf(value.username, provider);
    if (!('key' in identity))
      ctx.addIssue({ code: 'custom', path: [identity.field], message: identity.problem });
  }
  if (passwordField && provider !== 'local' && value.password && !value.allowLocalPassword) {
    ctx.addIssue({
      code: 'custom',
      path: ['password'],
      message: `a ${provider} account has no password; send allowLocalPassword: true to set one`,
    });
  }
};

/** POST /create-user */
export const createUserSchema = z
  .object(
    {
      username: usernameSchema,
      // Required for local accounts (checked below); provider accounts have none by default.
      password: password.optional(),
      allowLocalPassword,
      ...profile,
    },
    body,
  )
  .superRefine((value, ctx) => {
    if (value.password === undefined && normalizeProvider(value.provider) === 'local')
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'is required' });
    checkIdentity(true)(value, ctx);
  });
/** POST /find-or-create: as create, but the password is optional (e.g. OAuth accounts). */
export const findOrCreateSchema = z
  .object(
    {
      username: usernameSchema,
      password: z.union([password, z.literal('')]).optional(),
      ...profile,
    },
    body,
  )
  .superRefine(checkIdentity(false));
/** POST /update-user/:username: any field; `username`, when sent, must name the same user. */
export const updateUserSchema = z.object(
  {
    username: z.string(str).optional(),
    password: password.optional(),
    allowLocalPassword,
    ...profile,
  },
  body,
);
/** POST /passwordCheck: any strings up to the limits; unknown names are a `check:false`. */
export const passwordCheckSchema = z.object(
  {
    username: z.string(str).min(1, 'is required').max(PASSWORD_MAX),
    password: z.string(str).max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`),
  },
  body,
);

/** Fields of a new user after validation. */
export type CreateUserInput = z.infer<typeof createUserSchema>;
/** Fields of a find-or-create after validation. */
export type FindOrCreateInput = z.infer<typeof findOrCreateSchema>;
/** Fields of an update after validation. */
export type UpdateUserInput = z.infer<typeof updateUserSchema>;

/** A request body that failed validation; message names every bad field. */
export class InputError extends Error {
  override name = 'InputError';
  readonly status = 400;
  readonly expose = true;
}

/** Validate `input` or throw an InputError like `username: is required; emails: must be an array of strings`. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : '';
    return field ? `${field}: ${issue.message}` : issue.message;
  });
  throw new InputError([...new Set(problems)].join('; '));
}

/** True when `name` could be a local username (cheap pre-check before a lookup). */
export function isValidUsername(name: string): boolean {
  return localNameProblem(name) === undefined;
}

/** Lower-case key that the UNIQUE index enforces; usernames are ASCII, so this is locale-free. */
export function usernameKey(name: string): string {
  return name.toLowerCase();
}

/**
 * Form bodies (`emails=a&emails=b`) give a plain string for a single value; accept that as a
 * one-element list. JSON bodies must send real arrays.
 */
export function normalizeFormArrays(input: Record<string, unknown>): Record<string, unknown> {
  const out = { ...input };
  for (const key of ['emails', 'photos']) {
    if (typeof out[key] === 'string') out[key] = [out[key]];
  }
  return out;
}
