// Type-aware lint for the CLI, the test bed and both apps.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layers of ../shared/STYLE.md, enforced (issue 18 §4; test/unit/lint-layers.test.ts plants a
// violation of each). In flat config a later block's options for a rule replace an earlier
// block's, so each area below lists every restriction that applies to it.

/** Only src/engine/ talks to Docker or SSH libraries, types included: the rest sees Engine. */
const DRIVERS = '^(?:dockerode|docker-modem|ssh2)(?:/.*)?$';
const driverImports = {
  regex: DRIVERS,
  message: 'Only src/engine/ uses the Docker/SSH libraries; use the Engine interface instead.',
};
/** `import('dockerode')`, `typeof import('ssh2')` and `require('ssh2')` escape no-restricted-imports. */
const driverLoads = [
  'ImportExpression[source.value=REGEX]',
  'TSImportType[source.value=REGEX]',
  'CallExpression[callee.name="require"][arguments.0.value=REGEX]',
].map((selector) => ({
  selector: selector.replace('REGEX', `/${DRIVERS.replaceAll('/', '\\/')}/`),
  message: driverImports.message,
}));

/**
 * Only src/output/ writes to the terminal: everyone else goes through the Terminal and its
 * `streams` (which tests replace). Reading `process.stdout.isTTY` counts too, since it asks the
 * real terminal instead of the one in use; `process.stdin` is input and stays allowed.
 */
const terminalMessage =
  'Only src/output/ writes to the terminal: use the Terminal (terminal.data/info/warn, terminal.streams).';
const terminalImports = ['process', 'node:process'].map((name) => ({
  name,
  importNames: ['stdout', 'stderr'],
  message: terminalMessage,
}));
const terminalProperties = ['stdout', 'stderr'].map((property) => ({
  object: 'process',
  property,
  message: terminalMessage,
}));
/**
 * `process` handed on whole (`streams = process`) carries stdout and stderr past the rule above.
 * Member access and destructuring are left to no-restricted-properties.
 */
const wholeProcess = {
  selector:
    'Identifier[name="process"]:not(MemberExpression > .object, MemberExpression > .property, Property > .key, ImportDefaultSpecifier > .local, TSTypeQuery > .exprName, TSQualifiedName > .left, VariableDeclarator[id.type="ObjectPattern"] > .init, AssignmentExpression[left.type="ObjectPattern"] > .right)',
  message: terminalMessage,
};

/**
 * The planner is pure: from the engine it may see only the types of engine/engine.ts; from the
 * apply layer only types; nothing from the commands or the CLI above it.
 */
const planTypeOnly = {
  regex: '^(?:\\.\\./)+(?:engine/engine(?:\\.ts)?|apply(?:/.*)?)$',
  allowTypeImports: true,
  message: 'src/plan/ imports no engine or apply code: only types (import type …).',
};
const planForbidden = {
  regex: '^(?:\\.\\./)+(?:engine/(?!engine(?:\\.ts)?$)|commands(?:/|$)|cli(?:\\.ts)?$)',
  message:
    'src/plan/ sees the engine only through the types in engine/engine.ts, and nothing above it.',
};
const planLoads = {
  selector: 'ImportExpression[source.value=/^(?:\\.\\.\\/)+(?:engine|apply|commands|cli)\\b/]',
  message: planForbidden.message,
};

/**
 * Commands talk to hosts through the target seam (src/targets/, issue 18 §3), never to an
 * engine, types included. Allowed from src/engine/: the SSH utilities of `hosts`/`provision`
 * (engine/ssh/) and opening a connection for `hosts ls --probe` (engine/open.ts).
 */
const commandsEngine = {
  regex: '^(?:\\.\\./)+engine/(?!ssh/|open(?:\\.ts)?$)',
  message: 'src/commands/ reaches hosts through src/targets/ (the target seam), never an engine.',
};
const commandsEngineLoads = {
  selector: 'ImportExpression[source.value=/^(?:\\.\\.\\/)+engine\\/(?!ssh\\/|open)/]',
  message: commandsEngine.message,
};

/** `@typescript-eslint/no-restricted-imports` options for one area of src/. */
function restrictImports({ paths = [], patterns = [] }) {
  return ['error', { paths, patterns }];
}

export default tseslint.config(
  {
    ignores: [
      '**/*.tmp.*',
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      '.tools/**',
      '**/public/vendor/**',
      // Shipped to servers as it is (runtime: pm2's launcher, plain CommonJS run by PM2).
      'templates/**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Tests, scripts and benchmarks print on purpose; the product writes only through src/output.
    files: [
      'test/**',
      'scripts/**',
      'bench/**',
      'apps/*/test/**',
      'apps/*/bench/**',
      'apps/*/src/cli.ts',
      'apps/*/src/log.ts',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['src/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrictImports({
        paths: terminalImports,
        patterns: [driverImports],
      }),
      'no-restricted-properties': ['error', ...terminalProperties],
      'no-restricted-syntax': ['error', ...driverLoads, wholeProcess],
    },
  },
  {
    // The CLI entry is where the process meets the output layer: it may hand `process` (whole)
    // to the Terminal as its streams. Everything else about the terminal still applies.
    files: ['src/cli.ts'],
    rules: { 'no-restricted-syntax': ['error', ...driverLoads] },
  },
  {
    files: ['src/engine/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrictImports({ paths: terminalImports }),
      'no-restricted-syntax': ['error', wholeProcess],
    },
  },
  {
    files: ['src/output/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrictImports({ patterns: [driverImports] }),
      'no-restricted-properties': 'off',
      'no-restricted-syntax': ['error', ...driverLoads],
    },
  },
  {
    files: ['src/plan/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrictImports({
        paths: terminalImports,
        patterns: [driverImports, planTypeOnly, planForbidden],
      }),
      'no-restricted-syntax': ['error', ...driverLoads, wholeProcess, planLoads],
    },
  },
  {
    files: ['src/commands/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrictImports({
        paths: terminalImports,
        patterns: [driverImports, commandsEngine],
      }),
      'no-restricted-syntax': ['error', ...driverLoads, wholeProcess, commandsEngineLoads],
    },
  },
);
