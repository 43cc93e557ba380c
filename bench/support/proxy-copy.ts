/**
 * notesctl's copy of the stack for the redeploy benchmark: notes served through the edge proxy
 * (`http: { port: 3000, path: /health }` instead of `ports:`) with the proxy on two free host
 * ports, so its redeploys are blue/green. The proxy is one container per host, shared by every
 * project there: the bench refuses to start when one exists (it would be someone else's), and
 * removes the one its run creates, with the proxy's volumes, whatever happens.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { loadTopology } from '../../src/config/index.ts';
import { PROXY_CONTAINER, PROXY_LABEL } from '../../src/proxy/names.ts';
import { freePort } from '../../test/bed/mariadb.ts';
import { docker, onCleanup } from './cleanup.ts';
import type { Workspace } from './workspace.ts';

/** The proxy's volumes (the engine answers null rather than an empty list when there are none). */
async function proxyVolumes(): Promise<Docker.VolumeInspectInfo[]> {
  const filters = JSON.stringify({ label: [PROXY_LABEL] });
  const volumes = (await docker.listVolumes({ filters })).Volumes as
    Docker.VolumeInspectInfo[] | null;
  return volumes ?? [];
}

/** Why the host's edge proxy is not ours to use, or undefined when there is none. */
export async function proxyInUse(): Promise<string | undefined> {
  const filters = JSON.stringify({ label: [PROXY_LABEL] });
  const containers = await docker.listContainers({ all: true, filters });
  const named = await docker
    .getContainer(PROXY_CONTAINER)
    .inspect()
    .catch(() => undefined);
  const volumes = (await proxyVolumes()).map((v) => v.Name);
  if (containers.length === 0 && !named && volumes.length === 0) return undefined;
  return `the edge proxy (${PROXY_CONTAINER}, volumes ${volumes.join(', ') || 'none'}) already exists on this engine: another run or deployment uses it, and this bench would remove it. Run it once that proxy is gone (\`docker rm -f ${PROXY_CONTAINER}\` and its volumes, if you know it is stale)`;
}

/** Remove the proxy container and its volumes (label io.notesctl.proxy). */
export async function removeProxy(): Promise<void> {
  const filters = JSON.stringify({ label: [PROXY_LABEL] });
  for (const c of await docker.listContainers({ all: true, filters }))
    await docker.getContainer(c.Id).remove({ force: true });
  for (const v of await proxyVolumes()) await docker.getVolume(v.Name).remove();
}

/**
 * notesctl removes the images of releases beyond `releases.keep` after each deploy; compose and
 * the script run the same pre-built images after notesctl's phase, so its copy keeps them all.
 */
const KEEP_EVERY_IMAGE = 'releases:\n  keep: 100\n';

/** Rewrite notesctl's copy to serve notes through the proxy; returns the workspace that uses it. */
export async function serveThroughProxy(ws: Workspace): Promise<Workspace> {
  const { file, port } = ws.notesctl;
  const [http, https] = [await freePort(), await freePort()];
  const text = await readFile(file, 'utf8');
  const changed = `${text.replace(
    `    ports: ['${port}:3000']\n`,
    '    http: { port: 3000, path: /health }\n',
  )}\nproxy:\n  ports: { http: ${http}, https: ${https} }\n${KEEP_EVERY_IMAGE}`;
  if (!changed.includes('http: { port: 3000')) throw new Error(`could not rewrite ${file}`);
  await writeFile(file, changed);
  // Runs before the projects' removal (registered later): their edge network needs it gone.
  onCleanup('remove the edge proxy and its volumes', removeProxy);
  const env = { ...process.env, NOTES_PUBLIC_URL: `http://localhost:${http}` };
  const topology = await loadTopology(file, { env });
  return { ...ws, notesctl: { ...ws.notesctl, port: http, topology } };
}
