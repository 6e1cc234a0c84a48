/**
 * A token bucket that keeps the SCIM client under the SSO's requests/minute
 * (the guide's client "Rate Limit: 100 requests/minute"). Full bucket at start,
 * so short syncs are not slowed; a long one settles at the rate.
 *
 * Background work (a Preview) takes from the same bucket through
 * {@linkcode SharedRateLimiter.background}: only what a full bucket would let
 * overflow, and nothing while the foreground is busy (a sync runs). So the
 * burst a sync starts with is never spent by a preview, and a preview never
 * slows a running sync; when nothing else runs, previews go at the full rate.
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

/** Options of {@linkcode SharedRateLimiter.background}. */
export interface BackgroundOptions {
  /** While true, background requests wait: the foreground (a sync) owns the budget. */
  busy: () => boolean | Promise<boolean>;
  /** How often a waiting background request looks again at `busy`. @default 1000 */
  pollMs?: number;
}

/** The bucket of the foreground, with a background view of the same bucket. */
export interface SharedRateLimiter extends RateLimiter {
  /**
   * A limiter over the same bucket for work that must yield (previews): each
   * request waits until the bucket is full and `busy()` is false, then takes
   * one token, so it spends only the refill a full bucket would waste.
   */
  background(options: BackgroundOptions): RateLimiter;
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
 * const previews = limiter.background({ busy: () => syncRunning });
 * await previews.take();
 * ```
 */
export function createRateLimiter(options: RateLimiterOptions): SharedRateLimiter {
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
  const refill = () => {
    const t = now();
    tokens = Math.min(capacity, tokens + (t - last) * perMs);
    last = t;
  };
  // Requests queue in order: each reserves its token, then waits its turn.
  return {
    async take(signal) {
      refill();
      tokens -= 1;
      if (tokens >= 0) return;
      await wait(Math.ceil(-tokens / perMs), signal);
    },
    background({ busy, pollMs = 1000 }) {
      if (!(pollMs > 0)) throw new RangeError("pollMs must be positive");
      return {
        async take(signal) {
          for (;;) {
            signal?.throwIfAborted();
            const yielding = await busy();
            refill();
            // Full: the token taken now would otherwise overflow. Foreground reservations
            // (tokens below zero) and a running sync both keep the background waiting.
            if (!yielding && tokens >= capacity) {
              tokens -= 1;
              return;
            }
            const untilFull = Math.ceil((capacity - tokens) / perMs);
            await wait(yielding ? pollMs : Math.max(1, Math.min(untilFull, pollMs)), signal);
          }
        },
      };
    },
  };
}
