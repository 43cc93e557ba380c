/**
 * The Notes topology in a scratch folder, deployed to a VPS of test/bed/vps.ts with a plain-server
 * runtime (issue 21: systemd or pm2): the apps copied without their build output, the repository's
 * notesctl.config.yaml with `host: vps`, a home whose known_hosts pins the VPS's key.
 */
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Vps } from '../bed/vps.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** A project folder and the environment to run notesctl in it. */
export interface PlainProject {
  dir: string;
  env: Record<string, string>;
  /** The values of the project's secrets, as notesctl stored them on this machine. */
  secretValues(): Promise<string[]>;
}

/**
 * Write the project `project` for `vps` (port 3000 published) with `runtime`, and `node` as the
 * host's `node:` (a YAML flow mapping, e.g. `{ source: npm }`): where its Node.js comes from.
 */
export async function preparePlainProject(
  project: string,
  vps: Vps,
  runtime: 'systemd' | 'pm2',
  node: string,
): Promise<PlainProject> {
  const dir = await mkdtemp(join(tmpdir(), `notesctl-${project}-`));
  for (const app of ['notes', 'userauth']) {
    await cp(join(ROOT, 'apps', app), join(dir, 'apps', app), {
      recursive: true,
      filter: (source) => !/\/(node_modules|dist|coverage)(\/|$)/.test(source),
    });
  }
  const hosts = [
    `project: ${project}`,
    'host: vps',
    'hosts:',
    '  vps:',
    `    ssh: root@127.0.0.1:${vps.sshPort}`,
    `    identity: ${vps.identityFile}`,
    `    runtime: ${runtime}`,
    `    node: ${node}`,
  ].join('\n');
  const config = (await readFile(join(ROOT, 'notesctl.config.yaml'), 'utf8')).replace(
    /^project: .*$/m,
    hosts,
  );
  await writeFile(join(dir, 'notesctl.config.yaml'), config);
  const home = join(dir, 'home');
  await mkdir(join(home, '.ssh'), { recursive: true });
  await cp(vps.knownHostsFile, join(home, '.ssh', 'known_hosts'));
  const env = {
    HOME: home,
    SSH_AUTH_SOCK: '',
    NOTESCTL_HOME: join(dir, 'notesctl-home'),
    NOTES_PUBLIC_URL: `http://127.0.0.1:${vps.ports[3000]}`,
  };
  return {
    dir,
    env,
    async secretValues() {
      const file = join(env.NOTESCTL_HOME, 'secrets', `${project}@vps.json`);
      const store = JSON.parse(await readFile(file, 'utf8')) as { secrets: Record<string, string> };
      return Object.values(store.secrets);
    },
  };
}

/** Poll `check` every 200 ms until it is true; the time it took, or throw after `ms`. */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  ms: number,
): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check().catch(() => false)) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}
