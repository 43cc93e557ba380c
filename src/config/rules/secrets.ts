/**
 * Rules for secrets: each declared secret has exactly one source, and a `file:` source exists.
 * Values are never inline — the schema rejects `value:` with its own message.
 */
import { statSync } from 'node:fs';
import { type Rule, resolvePath } from './context.ts';

const SOURCES = ['generate', 'file', 'env'] as const;

/** Exactly one of generate/file/env; `length` only with generate. */
export const checkSecretSources: Rule = ({ raw, problems }) => {
  for (const [name, secret] of Object.entries(raw.secrets ?? {})) {
    // Presence in the file, not validity: `generate: yes` is reported by the schema already.
    const given = SOURCES.filter((source) => problems.locator.has(['secrets', name, source]));
    if (given.length === 0) {
      problems.report(
        ['secrets', name],
        'missing a source — use generate: true, file: PATH or env: VARIABLE',
        'key',
      );
    } else if (given.length > 1) {
      problems.report(
        ['secrets', name, given[1] ?? 'file'],
        `choose one source, found ${given.join(' and ')}`,
        'key',
      );
    }
    if (secret.length !== undefined && secret.generate === undefined) {
      problems.report(['secrets', name, 'length'], 'length applies only to generate: true', 'key');
    }
  }
};

/** A `file:` secret names an existing file (relative to the topology folder, `~` expanded). */
export const checkSecretFiles: Rule = ({ raw, directory, home, problems }) => {
  for (const [name, secret] of Object.entries(raw.secrets ?? {})) {
    if (secret.file === undefined) continue;
    const path = resolvePath(directory, home, secret.file);
    let isFile: boolean;
    try {
      isFile = statSync(path).isFile();
    } catch {
      problems.report(
        ['secrets', name, 'file'],
        `secret file "${secret.file}" not found (looked for ${path})`,
      );
      continue;
    }
    if (!isFile)
      problems.report(['secrets', name, 'file'], `secret file "${secret.file}" is not a file`);
  }
};
