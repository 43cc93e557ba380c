// Type-aware lint for the CLI, the test bed and both apps.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/*.tmp.*',
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      '.tools/**',
      '**/public/vendor/**',
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
);
