/**
 * An abortable wait, on Web APIs only (the runner's retries and the edge's
 * forwarder both wait this way).
 *
 * @module
 */

/**
 * Sleeps `ms`, or rejects with the signal's reason when it aborts first.
 *
 * @param ms how long
 * @param signal ends the wait early
 * @returns a promise that resolves after `ms`
 *
 * @example
 * ```ts
 * await sleep(100, AbortSignal.timeout(1000));
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
