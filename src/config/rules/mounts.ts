/**
 * Rules inside one service: no two mounts (volumes or secrets) on the same container path, and
 * a secret's `*_FILE` variable not also set under `env:`.
 */
import { formatPath } from '../locate.ts';
import { type Rule, servicesOf } from './context.ts';

type Path = (string | number)[];

/** Where each secret of a service lands: its target path, env variable, and key path. */
function secretMounts(
  name: string,
  secrets:
    | Record<string, string>
    | (string | { source: string; target?: string | undefined; env?: string | undefined })[]
    | undefined,
): { target: string; envVar: string | undefined; path: Path }[] {
  const base = ['services', name, 'secrets'];
  if (Array.isArray(secrets)) {
    return secrets.map((entry, i) =>
      typeof entry === 'string'
        ? { target: `/run/secrets/${entry}`, envVar: undefined, path: [...base, i] }
        : {
            target: entry.target ?? `/run/secrets/${entry.source}`,
            envVar: entry.env,
            path: [...base, i],
          },
    );
  }
  return Object.entries(secrets ?? {}).map(([variable, secret]) => ({
    target: `/run/secrets/${secret}`,
    envVar: `${variable}_FILE`,
    path: [...base, variable],
  }));
}

/** No two mounts at one container path; no env variable set twice. */
export const checkMountConflicts: Rule = (context) => {
  for (const [name, service] of servicesOf(context)) {
    const targets = new Map<string, Path>();
    const claim = (target: string, path: Path): void => {
      const first = targets.get(target.replace(/\/+$/, ''));
      if (first) {
        context.problems.report(path, `${target} is already mounted by ${formatPath(first)}`);
      } else targets.set(target.replace(/\/+$/, ''), path);
    };
    service.volumes?.forEach((mount, i) => {
      claim(mount.split(':')[1] ?? '', ['services', name, 'volumes', i]);
    });
    for (const secret of secretMounts(name, service.secrets)) {
      claim(secret.target, secret.path);
      if (secret.envVar !== undefined && service.env?.[secret.envVar] !== undefined) {
        context.problems.report(
          secret.path,
          `${secret.envVar} is also set under env: — the secret sets it to the file's path; remove one`,
          'key',
        );
      }
    }
  }
};
