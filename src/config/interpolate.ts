/**
 * Compose-style variable interpolation in string values: `${VAR}`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`, `${VAR:+alt}`, `${VAR+alt}`, `$VAR`,
 * and `$$` for a literal `$`. Defaults may nest (`${A:-${B}}`). An unset variable without a
 * default is an error, never a silent empty string.
 */

/** The variables interpolation reads: process environment merged over `.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The interpolated text, or the first problem found in it. */
export type Interpolated = { value: string } | { error: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * Interpolate `text`. `dotEnvHint` names where a `.env` file would go, for the "how to set it"
 * part of the message (e.g. `.env next to notesctl.config.yaml`).
 */
export function interpolate(text: string, env: Env, dotEnvHint: string): Interpolated {
  if (!text.includes('$')) return { value: text };
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar === -1) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
      continue;
    }
    if (next === '{') {
      const end = matchingBrace(text, dollar + 2);
      if (end === -1) return { error: `unterminated "\${" — use "$$" for a literal "$"` };
      const result = expand(text.slice(dollar + 2, end), env, dotEnvHint);
      if ('error' in result) return result;
      out += result.value;
      i = end + 1;
      continue;
    }
    const name = NAME.exec(text.slice(dollar + 1))?.[0];
    if (name === undefined) {
      return { error: `"$" must start a variable ("\${NAME}") — use "$$" for a literal "$"` };
    }
    const value = env[name];
    if (value === undefined) return { error: unsetMessage(name, dotEnvHint) };
    out += value;
    i = dollar + 1 + name.length;
  }
  return { value: out };
}

/** Index of the `}` closing a `${` whose body starts at `from`, allowing nested `${…}`. */
function matchingBrace(text: string, from: number): number {
  let depth = 1;
  for (let j = from; j < text.length; j++) {
    if (text[j] === '$' && text[j + 1] === '{') {
      depth++;
      j++;
    } else if (text[j] === '$' && text[j + 1] === '$') j++;
    else if (text[j] === '}' && --depth === 0) return j;
  }
  return -1;
}

/** Expand the body of one `${…}`. */
function expand(body: string, env: Env, dotEnvHint: string): Interpolated {
  const name = NAME.exec(body)?.[0];
  const rest = body.slice(name?.length ?? 0);
  const operator = /^(:-|-|:\?|\?|:\+|\+)/.exec(rest)?.[0];
  if (name === undefined || (rest !== '' && operator === undefined)) {
    return {
      error: `invalid interpolation "\${${body}}": expected \${NAME}, \${NAME:-default} or \${NAME:?message}`,
    };
  }
  const value = env[name];
  if (operator === undefined) {
    return value === undefined ? { error: unsetMessage(name, dotEnvHint) } : { value };
  }
  const argument = rest.slice(operator.length);
  // With a colon, an empty value counts as unset (POSIX shell semantics, as compose does).
  const missing = value === undefined || (operator.startsWith(':') && value === '');
  switch (operator) {
    case ':-':
    case '-':
      return missing ? interpolate(argument, env, dotEnvHint) : { value };
    case ':+':
    case '+':
      return missing ? { value: '' } : interpolate(argument, env, dotEnvHint);
    default: {
      if (!missing) return { value };
      const detail = interpolate(argument, env, dotEnvHint);
      const why = 'value' in detail && detail.value !== '' ? detail.value : 'it is not set';
      const how = `export ${name}=… or add it to ${dotEnvHint}`;
      return { error: `variable ${name} is required: ${why} — ${how}` };
    }
  }
}

/** The message for an unset variable: which one, and the two ways to set it. */
function unsetMessage(name: string, dotEnvHint: string): string {
  return `variable ${name} is not set — export ${name}=… or add it to ${dotEnvHint}, or give a default: \${${name}:-value}`;
}
