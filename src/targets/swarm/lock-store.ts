/**
 * The deploy lock of a project on a cluster (issues 20 and 23) is a Swarm config named
 * `notesctl-lock-<project>`: the managers' raft store creates a name exactly once (a second
 * create gets 409 Conflict), whichever manager each operator reaches, so the lock holds for the
 * whole cluster. The owner's details are the config's label; a config's data is immutable but
 * its labels can be rewritten, which is how the holder renews its lease. It does not carry the
 * project label, so `down`'s sweep of the project's configs leaves it to its holder.
 */
import type { Engine } from '../../engine/engine.ts';
import { createObject, removeObject } from '../../engine/swarm-services.ts';
import { isNotFound } from '../../engine/wrap-error.ts';
import { EngineError } from '../../errors.ts';
import type { HostLockStore } from '../target.ts';

/** The label holding the lock's content (JSON). */
const CONTENT_LABEL = 'io.notesctl.lock';
/** The label naming the project a lock is for. */
const PROJECT_LABEL = 'io.notesctl.lock-project';

interface ApiConfig {
  ID: string;
  Version: { Index: number };
  Spec: { Name: string; Labels?: Record<string, string>; Data?: string };
}

/** The lock store of `project` on the cluster whose manager is `manager`. */
export function swarmLockStore(manager: Engine, project: string, cluster: string): HostLockStore {
  const name = `notesctl-lock-${project}`;
  const find = async (): Promise<ApiConfig | undefined> => {
    const list = await manager.request<ApiConfig[]>('list configs', name, {
      method: 'GET',
      path: `/configs?filters=${encodeURIComponent(JSON.stringify({ name: [name] }))}`,
    });
    return list.find((c) => c.Spec.Name === name);
  };
  return {
    where: `config ${name} on cluster ${cluster}`,
    async create(content) {
      try {
        return await createObject(manager, 'configs', {
          name,
          labels: { [PROJECT_LABEL]: project, [CONTENT_LABEL]: content },
          data: Buffer.from('notesctl deploy lock\n'),
        });
      } catch (error) {
        if (error instanceof EngineError && error.statusCode === 409) return undefined;
        throw error;
      }
    },
    async read() {
      const found = await find();
      const content = found?.Spec.Labels?.[CONTENT_LABEL];
      return found && content !== undefined ? { handle: found.ID, content } : undefined;
    },
    async write(handle, content) {
      try {
        const config = await manager.request<ApiConfig>('inspect config', name, {
          method: 'GET',
          path: `/configs/${encodeURIComponent(handle)}`,
        });
        await manager.request('update config', name, {
          method: 'POST',
          path: `/configs/${encodeURIComponent(handle)}/update?version=${config.Version.Index}`,
          body: { ...config.Spec, Labels: { ...config.Spec.Labels, [CONTENT_LABEL]: content } },
        });
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    },
    remove: (handle) => removeObject(manager, 'configs', handle, name),
    now: () => manager.systemTime(),
  };
}
