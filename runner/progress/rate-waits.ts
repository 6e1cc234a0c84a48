/**
 * The SCIM rate limit's waits, made visible: a limiter that tells how long
 * each request was held back, so a long sync can say "3 rate-limit waits
 * (41 s)" instead of looking hung. The limiter itself (scim/rate-limiter.ts)
 * is unchanged; this only times its `take()`.
 *
 * @module
 */
import type { RateLimiter } from "../scim/rate-limiter.ts";

/**
 * Wraps a limiter; `onWait` hears each wait of at least `minMs`.
 *
 * @param now the clock in ms @default Date.now
 * @param minMs shorter holds are not waits worth telling @default 50
 * @example
 * ```ts
 * const limiter = reportingWaits(createRateLimiter({ perMinute: 100 }), (ms) => progress.rateWait(ms));
 * ```
 */
export function reportingWaits(
  limiter: RateLimiter,
  onWait: (ms: number) => void,
  now: () => number = Date.now,
  minMs = 50,
): RateLimiter {
  return {
    intervalMs: limiter.intervalMs,
    defer: (ms) => limiter.defer(ms),
    async take(signal) {
      const start = now();
      await limiter.take(signal);
      const waited = now() - start;
      if (waited >= minMs) onWait(waited);
    },
  };
}
