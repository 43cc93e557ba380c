/** Rule: each build context is an existing folder holding its Dockerfile. */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Rule, buildOf, isInside, resolvePath, servicesOf } from './context.ts';

/** What is at `path`: a file, a folder, or nothing. */
function kindOf(path: string): 'file' | 'folder' | 'missing' | 'other' {
  try {
    const stat = statSync(path);
    return stat.isFile() ? 'file' : stat.isDirectory() ? 'folder' : 'other';
  } catch {
    return 'missing';
  }
}

/** Build contexts exist and are folders; Dockerfiles exist inside them. */
export const checkBuildContexts: Rule = (context) => {
  for (const [name, service] of servicesOf(context)) {
    const build = buildOf(service);
    if (!build) continue;
    const base = ['services', name, 'build'];
    const contextPath = [...base, ...build.contextKey];
    const folder = resolvePath(context.directory, context.home, build.context);
    const kind = kindOf(folder);
    if (kind !== 'folder') {
      const what = kind === 'missing' ? 'not found' : 'is not a folder';
      context.problems.report(
        contextPath,
        `build context "${build.context}" ${what} (looked at ${folder})`,
      );
      continue;
    }
    const dockerfile = resolve(folder, build.dockerfile);
    const dockerfilePath = [...base, ...build.dockerfileKey];
    if (!isInside(folder, dockerfile)) {
      context.problems.report(
        dockerfilePath,
        `dockerfile "${build.dockerfile}" must be inside the build context "${build.context}"`,
      );
    } else if (kindOf(dockerfile) !== 'file') {
      context.problems.report(
        dockerfilePath,
        `no ${build.dockerfile} in build context "${build.context}" (looked for ${dockerfile})`,
      );
    }
  }
};
