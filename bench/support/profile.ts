/**
 * Where a notesctl process spends its time: a V8 CPU profile (`node --cpu-prof`) summarised by
 * source — dist/ positions mapped back through the bundle's source maps to src/ files and npm
 * packages — plus the time the process sat idle waiting for the engine.
 */
import { readFile } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const maps = new Map<string, Promise<SourceMap | undefined>>();

function sourceMapOf(url: string): Promise<SourceMap | undefined> {
  let map = maps.get(url);
  if (!map) {
    map = readFile(`${fileURLToPath(url)}.map`, 'utf8').then(
      (text) => new SourceMap(JSON.parse(text) as ConstructorParameters<typeof SourceMap>[0]),
      () => undefined,
    );
    maps.set(url, map);
  }
  return map;
}

/** The original source position of a frame (through dist/'s source maps). */
async function originalOf(frame: ProfileNode['callFrame']): Promise<string> {
  const { url } = frame;
  if (url.startsWith('file:') && url.includes('/dist/')) {
    const map = await sourceMapOf(url);
    const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
    if (entry && 'originalSource' in entry)
      return `${entry.originalSource}:${entry.originalLine + 1}`;
  }
  return `${url}:${frame.lineNumber + 1}`;
}

/** A readable owner for one frame: `src/config`, `zod`, `node:internal`, `(idle)`, … */
async function ownerOf(frame: ProfileNode['callFrame']): Promise<string> {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return url.startsWith('node:internal') ? 'node:internal' : url;
  const path = await originalOf(frame);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1] ?? path;
  const src = /\/(src\/[^/]+)\//.exec(path);
  if (src) return src[1] ?? path;
  return path.replace(/^.*\//, '');
}

/** Summarise a .cpuprofile: wall time, self time per owner and the costliest functions. */
export async function summarizeProfile(file: string, top = 12): Promise<string> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, ms: number) =>
    map.set(key, (map.get(key) ?? 0) + ms);
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] ?? -1);
    if (!node) continue;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    add(owners, await ownerOf(node.callFrame), ms);
    if (node.callFrame.url !== '')
      add(
        functions,
        `${node.callFrame.functionName || '(anonymous)'} ${await originalOf(node.callFrame)}`,
        ms,
      );
  }
  const wall = (profile.endTime - profile.startTime) / 1000;
  const list = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, ms]) => `  ${ms.toFixed(1).padStart(7)} ms  ${key}`);
  return [
    `profiled ${wall.toFixed(0)} ms (V8 start to exit); self time by owner:`,
    ...list(owners),
    'costliest functions (self time):',
    ...list(functions),
  ].join('\n');
}
