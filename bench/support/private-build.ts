/**
 * A build of the CLI of its own for a benchmark: the checkout's src/ (as it is, uncommitted
 * changes included) built with scripts/build.ts in a temp copy, so the bench times the bundled
 * CLI as users run it without rewriting the shared checkout's dist/ under other users' feet.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { onCleanup } from './cleanup.ts';
import { ROOT } from './workspace.ts';

/** What a private build gives: its `bin/notesctl` and the commit it was built from. */
export interface PrivateBuild {
  notesctl: string;
  commit: string;
}

/** Copy what the build reads into a temp dir, build there, and register its removal. */
export async function buildPrivateCli(): Promise<PrivateBuild> {
  const dir = await mkdtemp(join(tmpdir(), 'notesctl-bench-cli-'));
  onCleanup(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  for (const entry of ['src', 'scripts', 'bin', 'templates', 'schema'])
    await cp(join(ROOT, entry), join(dir, entry), { recursive: true });
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json'])
    await cp(join(ROOT, file), join(dir, file));
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  await execa(process.execPath, ['scripts/build.ts'], { cwd: dir });
  return { notesctl: join(dir, 'bin', 'notesctl'), commit: describeCommit() };
}

/** The checkout's commit, and whether src/ differs from it. */
function describeCommit(): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' }).trim();
  try {
    const dirty = git('status', '--porcelain', '--', 'src').length > 0;
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' with uncommitted changes under src/ (built from the working tree)' : ''}`;
  } catch {
    return `unknown: ${ROOT} is not a git checkout`;
  }
}
