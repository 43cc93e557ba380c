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
import { rm } from 'node:fs/promises';

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

await rm('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: 'linked',
  minifySyntax: true,
  external: ['ssh2', 'cpu-features', '@grpc/*', 'protobufjs', '*.node'],
  plugins: [lazyHeavyModules],
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
