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
  /** The allowance per minute; 0 = none enforced. */
  readonly perMinute: number;
  /** Counts a request of `key`: null when allowed, else the Retry-After seconds. */
  hit(key: string): number | null;
}

/**
 * Creates the allowance; 0 or undefined turns it off.
 *
 * @param perMinute requests allowed per client in any 60 s
 * @param clock epoch ms @default Date.now
 * @throws {RangeError} for a negative or fractional allowance
 *
 * @example
 * ```ts
 * const allowance = createAllowance(100);
 * allowance.hit("scim-dev-client"); // null for the first 100 in any minute, then the seconds to wait
 * ```
 */
export function createAllowance(
  perMinute: number | undefined,
  clock: () => number = Date.now,
): Allowance {
  const limit = perMinute ?? 0;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`rate limit ${perMinute}: a whole number of requests per minute, 0 = off`);
  }
  // Per client, the times of its last `limit` accepted requests, oldest at `next`.
  const logs = new Map<string, { times: Float64Array; next: number }>();
  return {
    perMinute: limit,
    hit(key) {
      if (limit === 0) return null;
      const now = clock();
      let log = logs.get(key);
      if (!log) logs.set(key, log = { times: new Float64Array(limit).fill(-Infinity), next: 0 });
      const oldest = log.times[log.next]!;
      const freeAt = oldest + ALLOWANCE_WINDOW_MS;
      if (freeAt > now) return Math.max(1, Math.ceil((freeAt - now) / 1000));
      log.times[log.next] = now;
      log.next = (log.next + 1) % limit;
      return null;
    },
  };
}
