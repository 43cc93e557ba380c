/**
 * Build dist/ (`npm run build`): the server and the CLI as ESM bundles with their dependencies
 * (esbuild).
 * Type checking is tsc's job (`npm run typecheck` at the repository root).
 *
 * Why a bundle: resolving, reading and compiling some 400 module files one by one took 0.6-0.7 s
 * of every start of the notes app in its container on the 2-core test machine (userauth loads
 * the same libraries), and this container's start is a link of the chain `notesctl up` waits on.
 * A bundle plus V8's compile cache (filled by the Dockerfile) starts about 0.35 s sooner.
 *
 * The dependencies go to chunks of their own, apart from the app's code, so that a change to
 * the app leaves them byte for byte the same: the image keeps them in a layer of their own, and
 * `notesctl up` on a remote host ships only the app's layer. An extra entry point that re-exports
 * every dependency puts them there (esbuild groups code by the entry points that reach it).
 * `--split DIR` writes the dependency chunks to DIR/vendor and the rest to DIR/app for the
 * Dockerfile's two layers; without it everything is in dist/.
 *
 * dist/boot.js is an entry of its own so that the image build can load and compile every module
 * the server uses without starting it.
 */
import { build, type Plugin } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { split: { type: 'string' } } });
const { dependencies } = JSON.parse(readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>;
};

/** The `vendor` entry: `export * from` each dependency, so all of it lands in vendor chunks. */
const vendorEntry: Plugin = {
  name: 'vendor-entry',
  setup(b) {
    b.onResolve({ filter: /^vendor-entry$/ }, () => ({ path: 'vendor', namespace: 'vendor' }));
    b.onLoad({ filter: /.*/, namespace: 'vendor' }, () => ({
      contents: Object.keys(dependencies)
        .map((name) => `export * from ${JSON.stringify(name)};`)
        .join('\n'),
      resolveDir: '.',
      loader: 'js',
    }));
  },
};

rmSync('dist', { recursive: true, force: true });
const result = await build({
  entryPoints: {
    server: 'src/server.ts',
    boot: 'src/boot.ts',
    cli: 'src/cli.ts',
    vendor: 'vendor-entry',
  },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  sourcemap: 'linked',
  minify: true,
  keepNames: true,
  metafile: true,
  plugins: [vendorEntry],
  // Sequelize loads a dialect's driver by name at run time: mysql2 is handed over as
  // `dialectModule` (so it is bundled); the others are not dependencies of this app.
  external: [
    'sqlite3',
    'pg',
    'pg-hstore',
    'pg-native',
    'tedious',
    'mariadb',
    'ibm_db',
    'oracledb',
    'snowflake-sdk',
  ],
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

if (values.split !== undefined) {
  const dir = values.split;
  rmSync(dir, { recursive: true, force: true });
  for (const part of ['vendor', 'app']) mkdirSync(`${dir}/${part}`, { recursive: true });
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (file.endsWith('.map')) continue;
    // The vendor entry only shapes the chunks: nothing loads it, so the image does not carry it.
    if (output.entryPoint === 'vendor:vendor') {
      rmSync(file);
      rmSync(`${file}.map`);
      continue;
    }
    const inputs = Object.keys(output.inputs);
    const vendor =
      output.entryPoint === undefined && inputs.every((input) => input.includes('node_modules/'));
    const target = `${dir}/${vendor ? 'vendor' : 'app'}/${file.slice('dist/'.length)}`;
    renameSync(file, target);
    renameSync(`${file}.map`, `${target}.map`);
  }
}
