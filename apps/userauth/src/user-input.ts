/**
 * Validation of request bodies. Username rules (documented in the README):
 * 1-64 characters from `A-Z a-z 0-9 . _ @ + -`, starting with a letter or digit; stored as given,
 * unique case-insensitively (the database holds a lower-case key with a UNIQUE index).
 */
import { z } from 'zod';

/** Maximum username length in characters. */
export const USERNAME_MAX = 64;
/** Maximum password length; scrypt does not care, but unbounded input is an easy DoS. */
export const PASSWORD_MAX = 1024;
const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]*$/;

// Zod's default for a missing field is "expected string, received undefined"; say it plainly.
const typeError = (expected: string) => ({
  error: (issue: { input?: unknown }) =>
    issue.input === undefined ? 'is required' : `must be ${expected}`,
});
const str = typeError('a string');

/** A username that passes the rules above. */
export const usernameSchema = z
  .string(str)
  .min(1, 'is required')
  .max(USERNAME_MAX, `must be at most ${USERNAME_MAX} characters`)
  .regex(
    USERNAME_PATTERN,
    'may contain only letters, digits and . _ @ + - and must start with a letter or digit',
  );

const password = z
  .string(str)
  .min(1, 'is required')
  .max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`);

const text = (max: number) => z.string(str).max(max, `must be at most ${max} characters`);

const list = (itemMax: number) =>
  z.array(text(itemMax), typeError('an array of strings')).max(20, 'must have at most 20 entries');

const profile = {
  provider: text(64).optional(),
  familyName: text(255).optional(),
  givenName: text(255).optional(),
  middleName: text(255).optional(),
  emails: list(320).optional(),
  photos: list(2048).optional(),
};

const body = { error: 'request body must be a JSON object or a form' };

/** POST /create-user */
export const createUserSchema = z.object({ username: usernameSchema, password, ...profile }, body);
/** POST /find-or-create: as create, but the password is optional (e.g. OAuth accounts). */
export const findOrCreateSchema = z.object(
  { username: usernameSchema, password: z.union([password, z.literal('')]).optional(), ...profile },
  body,
);
/** POST /update-user/:username: any field; `username`, when sent, must name the same user. */
export const updateUserSchema = z.object(
  { username: z.string(str).optional(), password: password.optional(), ...profile },
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

/** True when `name` could be a stored username (cheap pre-check before a lookup). */
export function isValidUsername(name: string): boolean {
  return usernameSchema.safeParse(name).success;
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
