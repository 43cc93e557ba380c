/**
 * Opening engines for a command: the local one, or a remote host over SSH.
 */
import { connectLocalEngine } from '../../engine/connect.ts';
import type { Engine } from '../../engine/engine.ts';
import { UsageError } from '../../errors.ts';
import { LOCAL_HOST, type Topology } from '../../model/topology.ts';
import type { GlobalOptions } from '../../cli.ts';

/** Open the engine of `host` (closed by the caller with engine.close()). */
export function openEngine(
  topology: Topology | undefined,
  host: string,
  global: GlobalOptions,
): Promise<Engine> {
  if (host === LOCAL_HOST) return Promise.resolve(connectLocalEngine());
  const where = topology ? ` (${topology.file})` : global.file;
  return Promise.reject(
    new UsageError(`host ${host}${where}: remote engines are not supported in this build yet`, {
      hint: 'Deploy to the local engine (omit --host), or update notesctl.',
    }),
  );
}

/** Run `fn` with an open engine and always close it. */
export async function withEngine<T>(
  topology: Topology | undefined,
  host: string,
  global: GlobalOptions,
  fn: (engine: Engine) => Promise<T>,
): Promise<T> {
  const engine = await openEngine(topology, host, global);
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}
