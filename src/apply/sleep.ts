/**
 * The executor's one way to wait: readiness probes, proxy checks, drains and certificate waits
 * all sleep through here, so Ctrl-C ends any of them at once.
 */

/** Wait `ms`, or reject with the abort's reason (at once when it is already aborted). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
