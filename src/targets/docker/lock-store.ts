/**
 * The deploy lock on a Docker host (issue 23) is a container named `notesctl-lock-<project>`,
 * created and never started. Why a container: the engine creates a name exactly once — of two
 * creates of the same name, the second gets 409 Conflict — on every engine, local or over SSH,
 * with no shell, file system or SSH login of our own. (A volume create of an existing name
 * succeeds silently, and network names are not unique, so neither can be a lock.) The owner's
 * details are the container's label at creation, so no reader sees a lock without an owner;
 * renewals and the in-flight list are then rewritten as a file in it (PUT archive, which works on
 * a created container), and the newest of the two is read back. The container is made from
 * `notesctl/empty:1`, an image with no files imported on first use (nothing to pull: hosts
 * without a registry have it too; created-only.ts). It carries the project label but no config hash, so the
 * project's own observations never see it.
 */
import type { Engine } from '../../engine/engine.ts';
import { createdOnlySpec, createFromEmptyImage, EMPTY_IMAGE } from './created-only.ts';
import { isNotFound } from '../../engine/wrap-error.ts';
import { EngineError } from '../../errors.ts';
import { LABEL } from '../../model/names.ts';
import type { HostLockStore } from '../target.ts';

/** The label holding the owner as created (JSON). */
const OWNER_LABEL = 'io.notesctl.lock';
const FOLDER = '/notesctl';
const FILE = 'lock.json';

/** The lock container's name for `project`. */
export function lockContainerName(project: string): string {
  return `notesctl-lock-${project}`;
}

/** The lock store of `project` on `engine`. */
export function dockerLockStore(engine: Engine, project: string): HostLockStore {
  const name = lockContainerName(project);
  const conflict = (error: unknown) => error instanceof EngineError && error.statusCode === 409;
  const spec = (content: string) =>
    createdOnlySpec({
      name,
      image: EMPTY_IMAGE,
      labels: { [LABEL.project]: project, [OWNER_LABEL]: content },
      cmd: ['/notesctl-lock'],
    });
  const write = async (handle: string, content: string): Promise<boolean> => {
    try {
      const file = { name: FILE, content: Buffer.from(content), mode: 0o600, uid: 0, gid: 0 };
      await engine.putFiles(handle, FOLDER, [file]);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  };
  return {
    where: `container ${name} on ${engine.hostName}`,
    async create(content) {
      try {
        // The first lock on this host imports the empty image, then creates.
        return await createFromEmptyImage(engine, spec(content));
      } catch (error) {
        if (conflict(error)) return undefined;
        throw error;
      }
    },
    async read() {
      let handle: string;
      let created: string | undefined;
      try {
        const details = await engine.inspectContainer(name);
        handle = details.id;
        created = details.labels[OWNER_LABEL];
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
      const latest = await engine
        .readFile(handle, `${FOLDER}/${FILE}`)
        .catch(async (error: unknown) => {
          if (isNotFound(error)) return undefined;
          // Removed while its file was read (its holder released it): the engine answers 500
          // "error processing tar file … no such file or directory", not 404.
          const gone = await engine.inspectContainer(handle).then(
            () => false,
            (e: unknown) => isNotFound(e),
          );
          if (!gone) throw error;
          return null;
        });
      if (latest === null) return undefined;
      const content = latest?.toString('utf8') ?? created;
      return content === undefined ? undefined : { handle, content };
    },
    write,
    async remove(handle) {
      try {
        await engine.removeContainer(handle, { force: true });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
    now: () => engine.systemTime(),
  };
}
