/**
 * A token bucket that keeps the SCIM client under the SSO's requests/minute
 * (the guide's client "Rate Limit: 100 requests/minute"). Full bucket at start,
 * so short syncs are not slowed; a long one settles at the rate.
 *
 * @module
 */

/** Options of {@linkcode createRateLimiter}. */
export interface RateLimiterOptions {
  perMinute: number;
  /** @default Date.now */
  now?: () => number;
  /** @default setTimeout-based sleep */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RateLimiter {
  /** Resolves when a request may be sent. */
  take(signal?: AbortSignal): Promise<void>;
}

/**
 * Creates a token bucket of `perMinute` capacity refilling at `perMinute` a minute.
 *
 * @throws {RangeError} when perMinute is not positive
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter({ perMinute: 100 });
 * await limiter.take();
 * ```
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  if (!(options.perMinute > 0)) throw new RangeError("perMinute must be positive");
  const now = options.now ?? Date.now;
  const wait = options.sleep ??
    ((ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, ms);
        signal?.addEventListener("abort", () => {
          clearTimeout(t);
          reject(signal.reason);
        }, { once: true });
      }));
  const capacity = options.perMinute;
  const perMs = options.perMinute / 60_000;
  let tokens = capacity;
  let last = now();
  // Requests queue in order: each reserves its token, then waits its turn.
  return {
    async take(signal) {
      const t = now();
      tokens = Math.min(capacity, tokens + (t - last) * perMs);
      last = t;
      tokens -= 1;
      if (tokens >= 0) return;
      await wait(Math.ceil(-tokens / perMs), signal);
    },
  };
}
