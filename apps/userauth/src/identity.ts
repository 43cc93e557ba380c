/**
 * The identity rule (issue 22): which stored account a (username, provider) pair names.
 *
 * - A local account (provider missing, `""` or `local`) is stored under its username as given,
 *   which follows the local rule (letters, digits, `. _ @ + -`, first a letter or digit).
 * - A provider account is stored under the provider-qualified name `provider:handle`, e.g.
 *   `twitter:_jack`. A local name can never contain `:`, and each provider has its own prefix,
 *   so a provider account can never be, return or change a local account or another provider's.
 *   Handles may start with any allowed character (X handles may start with `_`).
 * - Old clients that only know the bare handle still find the account through `GET /find`
 *   (see users.ts: the bare handle resolves to a provider account only when no local account
 *   has that name and exactly one provider account has that handle).
 */

/** Length limits: a local username / a handle, and a provider name. */
export const USERNAME_MAX = 64;
export const PROVIDER_MAX = 32;
/** Longest stored username: `provider:handle`. */
export const QUALIFIED_MAX = PROVIDER_MAX + 1 + USERNAME_MAX;

const LOCAL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]*$/;
const HANDLE_PATTERN = /^[A-Za-z0-9._@+-]+$/;
const PROVIDER_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

/** The message for a local username that breaks the character rule. */
export const LOCAL_RULE =
  'may contain only letters, digits and . _ @ + - and must start with a letter or digit';

/** Where an account belongs and under which names it is stored and looked up. */
export interface Identity {
  /** `local` or the lower-case provider name. */
  provider: string;
  /** The stored username: as given (local) or `provider:handle`. */
  username: string;
  /** The lower-case key the UNIQUE index holds. */
  key: string;
  /** The lower-case handle of a provider account (null for local ones). */
  handleKey: string | null;
}

/** True for the providers that mean "a local account". */
export function isLocalProvider(provider: string | undefined | null): boolean {
  return (
    provider === undefined ||
    provider === null ||
    provider === '' ||
    provider.toLowerCase() === 'local'
  );
}

/** The canonical provider name (`local` for local accounts), or a problem. */
export function normalizeProvider(provider: string | undefined): string | { problem: string } {
  if (isLocalProvider(provider)) return 'local';
  const name = (provider ?? '').toLowerCase();
  if (name.length > PROVIDER_MAX) return { problem: `must be at most ${PROVIDER_MAX} characters` };
  if (!PROVIDER_PATTERN.test(name))
    return {
      problem: 'may contain only letters, digits and . _ - and must start with a letter or digit',
    };
  return name;
}

/** Problem with a local username, or undefined when it is fine. */
export function localNameProblem(name: string): string | undefined {
  if (name === '') return 'is required';
  if (name.length > USERNAME_MAX) return `must be at most ${USERNAME_MAX} characters`;
  if (!LOCAL_PATTERN.test(name)) return LOCAL_RULE;
  return undefined;
}

/**
 * The identity that `username` names for `provider`, or a problem with the username. A provider
 * account's username may be sent bare (`_jack`) or already qualified (`twitter:_jack`, as this
 * service returns it); a prefix of another provider is refused.
 */
export function identityOf(
  username: string,
  provider: string,
): Identity | { field: 'username' | 'provider'; problem: string } {
  if (provider === 'local') {
    const problem = localNameProblem(username);
    if (problem) return { field: 'username', problem };
    return { provider, username, key: username.toLowerCase(), handleKey: null };
  }
  let handle = username;
  const colon = username.indexOf(':');
  if (colon >= 0) {
    if (username.slice(0, colon).toLowerCase() !== provider) {
      return {
        field: 'username',
        problem: `is qualified with another provider than "${provider}"`,
      };
    }
    handle = username.slice(colon + 1);
  }
  if (handle === '') return { field: 'username', problem: 'is required' };
  if (handle.length > USERNAME_MAX)
    return { field: 'username', problem: `must be at most ${USERNAME_MAX} characters` };
  if (!HANDLE_PATTERN.test(handle))
    return { field: 'username', problem: 'may contain only letters, digits and . _ @ + -' };
  const qualified = `${provider}:${handle}`;
  return {
    provider,
    username: qualified,
    key: qualified.toLowerCase(),
    handleKey: handle.toLowerCase(),
  };
}

/**
 * How a name in a path (`/find/:username`, `/passwordCheck`…) is looked up: a qualified name
 * by its key; a local-looking name by its key; a bare handle (for old clients' `find` only)
 * by its handle key. Undefined when no account could have this name.
 */
export function lookupOf(name: string): { key?: string; handleKey?: string } | undefined {
  if (name.length > QUALIFIED_MAX) return undefined;
  const colon = name.indexOf(':');
  if (colon >= 0) {
    const provider = normalizeProvider(name.slice(0, colon));
    if (typeof provider !== 'string' || provider === 'local') return undefined;
    const identity = identityOf(name, provider);
    return 'key' in identity ? { key: identity.key } : undefined;
  }
  const handleKey =
    name.length <= USERNAME_MAX && HANDLE_PATTERN.test(name) ? name.toLowerCase() : undefined;
  const key = localNameProblem(name) === undefined ? name.toLowerCase() : undefined;
  if (!key && !handleKey) return undefined;
  return { ...(key ? { key } : {}), ...(handleKey ? { handleKey } : {}) };
}
