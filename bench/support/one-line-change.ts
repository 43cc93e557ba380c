/**
 * Issue 6's shipping figure: with notesctl's stack up on the remote host, add one line to
 * apps/notes, rebuild the image here (untimed), then time `notesctl --json up` until notes
 * answers again, and compare the bytes it shipped with the size of the layers that changed.
 * The change itself (makeOneLineChange) is also what bench/redeploy.ts deploys, five times.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DelayProxy } from '../../test/bed/delay-proxy.ts';
import { docker } from './cleanup.ts';
import { changedLayers, type ChangedLayers } from './layer-sizes.ts';
import { timeCommand, waitHttpOk } from './timing.ts';
import type { Tool } from './tools.ts';
import type { Workspace } from './workspace.ts';

/** What notesctl reports per shipped image (`up --json`). */
export interface Shipped {
  ref: string;
  layersSent: number;
  layersTotal: number;
  /** Uncompressed size of the layer files sent. */
  layerBytesSent: number;
  /** gzip-compressed bytes of the image stream. */
  wireBytes: number;
}

/** The figures of the one-line change. */
export interface OneLineChange {
  /** `up` (ship + recreate notes) until notes answers /health. */
  ms: number;
  connections: number;
  /** Everything the SSH connection carried to the host (API calls, image stream, SSH framing). */
  proxyBytes: number;
  shipped: Shipped;
  /** Measured by the bench from `docker save` of the old and new images. */
  layers: ChangedLayers;
}

/** The file the change edits. */
export function changedFile(ws: Workspace): string {
  return join(ws.dir, 'apps', 'notes', 'src', 'server.ts');
}

/** The change itself: one more comment line in notes' server.ts, and notes rebuilt (untimed). */
export async function makeOneLineChange(ws: Workspace): Promise<void> {
  await appendFile(changedFile(ws), '\n// one more line\n');
  await ws.build(['notes']);
}

/** Make the change and redeploy; the stack must be up (it stays up). */
export async function measureOneLineChange(
  ws: Workspace,
  notesctl: Tool,
  healthUrl: string,
  proxy: DelayProxy,
): Promise<OneLineChange> {
  const repo = `notesctl-${ws.notesctl.project}/notes`;
  const oldRef = ws.images.get('notes') ?? '';
  const oldId = (await docker.getImage(oldRef).inspect()).Id;
  await makeOneLineChange(ws);
  const [bin = '', ...args] = notesctl.up.argv;
  let stdout = '';
  proxy.resetStats();
  const started = performance.now();
  await timeCommand({ ...notesctl.up, argv: [bin, '--json', ...args] }, 300_000, (text, stream) => {
    if (stream === 'stdout') stdout += text;
  });
  await waitHttpOk(healthUrl);
  const ms = performance.now() - started;
  const { connections, bytesToTarget } = proxy.stats;
  const [summary] = JSON.parse(stdout) as { shipped: Shipped[] }[];
  const shipped = summary?.shipped.find((s) => s.ref.startsWith(`${repo}:`));
  if (!shipped) throw new Error(`notesctl up --json shipped no ${repo} image:\n${stdout}`);
  const layers = await changedLayers(oldId, shipped.ref);
  return { ms, connections, proxyBytes: bytesToTarget, shipped, layers };
}
