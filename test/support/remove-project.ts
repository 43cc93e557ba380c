/**
 * The end of a test project on the local engine: `down --volumes`, the images built for it
 * (found by their project label), and its temp dir.
 */
import type Docker from 'dockerode';
import { rm } from 'node:fs/promises';
import { runCli } from './run-cli.ts';

/** Remove what the project `project` in `dir` left on the engine, then the dir. */
export async function removeProject(
  docker: Docker,
  project: string,
  dir: string,
  env: Record<string, string>,
): Promise<void> {
  await runCli(['down', '--volumes', '--yes'], { cwd: dir, env });
  const images = await docker.listImages({
    filters: JSON.stringify({ label: [`io.notesctl.project=${project}`] }),
  });
  for (const image of images)
    await docker
      .getImage(image.Id)
      .remove({ force: true })
      .catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
