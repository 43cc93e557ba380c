/**
 * The operator's own engine, opened only when the target host is remote: `build:` images are
 * built there (its cache) and shipped.
 */
import { connectLocalEngine } from '../../engine/connect.ts';
import type { Engine } from '../../engine/engine.ts';
import { LOCAL_HOST } from '../../model/topology.ts';

/** Run `fn` with the local engine as builder when `host` is remote, undefined otherwise. */
export async function withBuilder<T>(
  host: string,
  fn: (builder: Engine | undefined) => Promise<T>,
): Promise<T> {
  if (host === LOCAL_HOST) return fn(undefined);
  const builder = connectLocalEngine();
  try {
    return await fn(builder);
  } finally {
    await builder.close();
  }
}
