/**
 * Build dist/: one ESM bundle of notesctl and its pure-JS dependencies, split into one chunk
 * per command (loaded on demand). Start-up time is most of a no-op `up`, and resolving and
 * evaluating hundreds of small module files costs more than the work itself.
 *
 * Two things stay out of the eager path: dockerode's BuildKit session (gRPC + protobufjs, for
 * `version: 2` builds notesctl never asks for) and docker-modem's `protocol: 'ssh'` transport
 * (notesctl brings its own, see src/engine/ssh). Both are replaced by lazy wrappers that load
 * the real module on first use. Packages that read files next to their own sources (ssh2's
 * wasm, gRPC's .proto files) stay in node_modules.
 */
import { build, type Plugin } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFile, readdir, rm } from 'node:fs/promises';

/** Modules required at load time but only needed by features notesctl does not use eagerly. */
const LAZY: { importer: string; request: string; target: string }[] = [
  { importer: 'dockerode/lib/docker.js', request: './session', target: 'dockerode/lib/session.js' },
  { importer: 'docker-modem/lib/modem.js', request: './ssh', target: 'docker-modem/lib/ssh.js' },
];

const lazyHeavyModules: Plugin = {
  name: 'lazy-heavy-modules',
  setup(b) {
    b.onResolve({ filter: /^\.\/(session|ssh)$/ }, (args) => {
      const entry = LAZY.find((l) => args.importer.endsWith(l.importer) && l.request === args.path);
      return entry ? { path: entry.target, namespace: 'lazy' } : undefined;
    });
    // An indirect require is left alone by esbuild: it runs at call time, from node_modules.
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: `const load = require; module.exports = function (...a) { return load(${JSON.stringify(args.path)})(...a); };`,
      loader: 'js',
    }));
  },
};

/**
 * The build id: a digest of the sources and the locked dependencies. Caches notesctl keeps
 * between runs (the topology cache) are valid for one build only.
 */
async function buildId(): Promise<string> {
  const files = (await readdir('src', { recursive: true }))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `src/${f}`)
    .sort();
  const hash = createHash('sha256');
  for (const file of [...files, 'package.json', 'package-lock.json'])
    hash
      .update(file)
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  return hash.digest('hex').slice(0, 16);
}

await rm('dist', { recursive: true, force: true });
await build({
  // The CLI, and the background process of persistent SSH connections, which persist.ts spawns
  // from the file beside its own chunk (dist/mux-daemon.js).
  entryPoints: { cli: 'src/cli.ts', 'mux-daemon': 'src/engine/ssh/mux-daemon.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: 'linked',
  minifySyntax: true,
  define: { NOTESCTL_BUILD: JSON.stringify(await buildId()) },
  external: ['ssh2', 'cpu-features', '@grpc/*', 'protobufjs', '*.node'],
  plugins: [lazyHeavyModules],
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
