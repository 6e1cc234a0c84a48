/**
 * The development SSO's request allowance: the guide's "Rate Limit: 100
 * requests/minute" read in its strictest sense, at most `perMinute` requests
 * per client in any 60 seconds (a sliding window). A client that passes it
 * passes a fixed per-minute window or a token bucket of the same rate too; a
 * client that bursts a minute's worth at start, then keeps the rate, does not.
 * Refused requests are not counted, as a gateway that answers 429 does not
 * serve them.
 *
 * @module
 */

/** The window the allowance counts over. */
export const ALLOWANCE_WINDOW_MS = 60_000;

/** The guide's allowance (DEV_SSO_RATE_LIMIT's default). */
export const GUIDE_REQUESTS_PER_MINUTE = 100;

export interface Allowance {
  /** Requests allowed per client per window; 0 = none enforced. */
  readonly requests: number;
  readonly windowMs: number;
  /** Counts a request of `key`: null when allowed, else the Retry-After seconds. */
  hit(key: string): number | null;
  /** Sets another allowance (`PUT /_dev/allowance`); every client starts a fresh window. */
  set(requests: number, windowMs?: number): void;
}

/** Options of {@linkcode createAllowance}. */
export interface AllowanceOptions {
  /** Requests allowed per client in any window; 0 or undefined = none enforced. */
  requests: number | undefined;
  /** The window. Tests shorten it to see it bite in seconds. @default 60_000 */
  windowMs?: number;
  /** Epoch ms. @default Date.now */
  clock?: () => number;
}

/**
 * Creates the allowance.
 *
 * @throws {RangeError} for a negative or fractional count, or a window that is not positive
 *
 * @example
 * ```ts
 * const allowance = createAllowance({ requests: 100 });
 * allowance.hit("scim-dev-client"); // null for the first 100 in any minute, then the seconds to wait
 * ```
 */
export function createAllowance(options: AllowanceOptions): Allowance {
  const clock = options.clock ?? Date.now;
  let limit = 0;
  let windowMs = ALLOWANCE_WINDOW_MS;
  // Per client, the times of its last `limit` accepted requests, oldest at `next`.
  const logs = new Map<string, { times: Float64Array; next: number }>();
  const set = (requests: number | undefined, window = ALLOWANCE_WINDOW_MS) => {
    const n = requests ?? 0;
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`rate limit ${requests}: a whole number of requests, 0 = none`);
    }
    if (!(window > 0)) throw new RangeError(`rate limit window ${window} ms: must be positive`);
    limit = n;
    windowMs = window;
    logs.clear();
  };
  set(options.requests, options.windowMs);
  return {
    get requests() {
      return limit;
    },
    get windowMs() {
      return windowMs;
    },
    set,
    hit(key) {
      if (limit === 0) return null;
      const now = clock();
      let log = logs.get(key);
      if (!log) logs.set(key, log = { times: new Float64Array(limit).fill(-Infinity), next: 0 });
      const freeAt = log.times[log.next]! + windowMs;
      if (freeAt > now) return Math.max(1, Math.ceil((freeAt - now) / 1000));
      log.times[log.next] = now;
      log.next = (log.next + 1) % limit;
      return null;
    },
  };
}
