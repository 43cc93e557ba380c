/** Healthcheck `test:` forms → Docker's array form (`["CMD", …]`, `["CMD-SHELL", "…"]`, `["NONE"]`). */

/** The Docker form of a test, or what is wrong with it. */
export function normalizeHealthTest(
  test: string | string[],
): { test: string[] } | { error: string } {
  if (typeof test === 'string') {
    const command = test.trim().replace(/^CMD-SHELL\s+/, '');
    if (command === '') return { error: 'expected a healthcheck command, got ""' };
    if (command === 'NONE') return { test: ['NONE'] };
    return { test: ['CMD-SHELL', command] };
  }
  const [kind, ...rest] = test;
  if (kind === 'NONE' && rest.length === 0) return { test: ['NONE'] };
  if (kind === 'CMD' && rest.length > 0) return { test: [...test] };
  if (kind === 'CMD-SHELL' && rest.length === 1 && rest[0] !== '') return { test: [...test] };
  return {
    error: `expected ["CMD", "program", …], ["CMD-SHELL", "command"], ["NONE"] or a command string, got ${JSON.stringify(test)}`,
  };
}
