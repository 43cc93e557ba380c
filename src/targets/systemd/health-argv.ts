/** A service's Docker-form health check as argv for a plain server (issue 21). */
import type { Healthcheck } from '../../model/topology.ts';
import { APP_DIR } from './names.ts';

/**
 * The argv of `check` (CMD as it is, CMD-SHELL through /bin/sh -c; undefined: none), with the
 * image's folder (/app) read as `appDir`: systemd mounts the release there, PM2 cannot.
 */
export function healthArgv(check: Healthcheck | undefined, appDir = APP_DIR): string[] | undefined {
  const [kind, ...rest] = check?.test ?? [];
  const inRelease = (word: string) =>
    word === APP_DIR || word.startsWith(`${APP_DIR}/`) ? appDir + word.slice(APP_DIR.length) : word;
  if (kind === 'CMD') return rest.map(inRelease);
  if (kind === 'CMD-SHELL')
    return ['/bin/sh', '-c', rest.join(' ').replaceAll(`${APP_DIR}/`, `${appDir}/`)];
  return undefined;
}
