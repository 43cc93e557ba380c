/** Poll `probe` (every 100 ms; a throw counts as false) until it is true, or fail after `ms`. */
export async function until(probe: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Run `check` (assertions) every 500 ms until it passes; after `ms`, its last failure is thrown,
 * so the test reports what did not hold. Resolves to the time it took.
 */
export async function untilPasses(ms: number, check: () => Promise<void>): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await check();
      return Date.now() - started;
    } catch (error) {
      if (Date.now() - started > ms) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
