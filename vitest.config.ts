import { defineConfig } from 'vitest/config';

// Two projects: `unit` is pure and fast (part of `npm run check`); `integration` drives real
// engines, databases, sshd hosts and a browser, and runs its files in parallel where they do not
// share state.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'apps/*/test/unit/**/*.test.ts'],
          environment: 'node',
          // The apps' unit suites start small servers (userauth hashes with scrypt): vitest's 5 s
          // default is too tight while CI runs the integration suites beside them on 2 cores.
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'apps/*/test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 600_000,
          pool: 'forks',
          globalSetup: ['test/bed/global-setup.ts'],
        },
      },
    ],
  },
});
