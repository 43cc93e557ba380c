// Progress of the test bed goes to stderr, so test output and by-hand use both show what it does.

/** Print one line of test bed progress on stderr. */
export function log(message: string): void {
  const time = new Date().toISOString().slice(11, 19);
  console.error(`[testbed ${time}] ${message}`);
}

/** Milliseconds since `start` (a `performance.now()` reading), rounded. */
export function since(start: number): number {
  return Math.round(performance.now() - start);
}
