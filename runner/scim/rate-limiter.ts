/**
 * Pacing the SCIM client to the SSO's allowance (the guide's "Rate Limit: 100
 * requests/minute", SCIM_RATE_LIMIT): one request every 60/N seconds, in the
 * order asked, and no request before a time the SSO named in a 429's
 * Retry-After.
 *
 * No burst, not even at start. The allowance is the SSO's per client, not per
 * process, and a process cannot see what the one before it spent: a bucket
 * that starts full would send a minute's worth into a window the previous
 * `npm run sync` (or the daemon) may have filled, and a burst then the rate
 * sends up to twice the allowance in the first minute, which an SSO counting
 * any 60 s (or a fixed minute) refuses. Even pacing from one interval after
 * start is refused by none of them; what it costs is at most one interval per
 * run, and the time of a run that would have fitted in a burst (under N
 * requests, i.e. under a minute). The interval is 1% longer than 60/N s, so
 * that the two clocks' jitter (timers firing late, a busy SSO reading a request
 * late) never puts N + 1 requests in the SSO's minute.
 *
 * @module
 */

/** How much longer than 60/N s the interval is (see the module doc). */
export const PACING_MARGIN = 0.01;

/** Options of {@linkcode createRateLimiter}. */
export interface RateLimiterOptions {
  perMinute: number;
  /** @default Date.now */
  now?: () => number;
  /** @default setTimeout-based sleep */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RateLimiter {
  /** The time between two requests, ms. */
  readonly intervalMs: number;
  /** Resolves when a request may be sent; callers are served in the order they asked. */
  take(signal?: AbortSignal): Promise<void>;
  /** The SSO asked for a pause (429 Retry-After): no request is sent before `ms` from now. */
  defer(ms: number): void;
}

/**
 * Creates the pacer: the first request one interval after creation, then one per
 * interval, each measured from when the previous one went.
 *
 * @throws {RangeError} when perMinute is not positive
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter({ perMinute: 100 }); // a request every 606 ms
 * await limiter.take();
 * ```
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  if (!(options.perMinute > 0)) {
    throw new RangeError(`perMinute must be positive, got ${options.perMinute}`);
  }
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? abortableSleep;
  const intervalMs = (60_000 / options.perMinute) * (1 + PACING_MARGIN);
  // Measured from when the last request actually went, not when it was due: a timer that
  // fires late, or a caller that asks late, must not let the next one catch up.
  let lastSent = now();
  let deferredUntil = -Infinity;
  let queue: Promise<void> = Promise.resolve();
  return {
    intervalMs,
    take(signal) {
      const turn = queue.then(async () => {
        for (;;) {
          const due = Math.max(lastSent + intervalMs, deferredUntil) - now();
          if (due <= 0) break;
          // A defer() while waiting moves the time: look again after the sleep.
          await wait(Math.ceil(due), signal);
        }
        signal?.throwIfAborted();
        lastSent = now();
      });
      // The next caller waits for this one's turn, whether it was taken or abandoned.
      queue = turn.catch(() => {});
      return turn;
    },
    defer(ms) {
      deferredUntil = Math.max(deferredUntil, now() + ms);
    },
  };
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });
}
