/**
 * Retrying an operation with exponential backoff and full jitter, honouring a
 * server's Retry-After. Hand-written rather than p-retry because the delay of
 * one attempt must come from the failure (429 Retry-After) and the clock must be
 * injectable for tests; it is 40 lines.
 *
 * @module
 */
import { sleep } from "./sleep.ts";

/** Thrown (or wrapped) by an attempt that may succeed if tried again. */
export class RetryableError extends Error {
  /** Server-requested delay before the next attempt, if any. */
  readonly retryAfterMs: number | null;
  constructor(readonly error: Error, retryAfterMs: number | null = null) {
    super(error.message, { cause: error });
    this.retryAfterMs = retryAfterMs;
  }
}

/** Options of {@linkcode withRetry}. */
export interface RetryOptions {
  /** Attempts after the first. @default 5 */
  maxRetries?: number;
  /** First backoff ceiling. @default 250 */
  baseMs?: number;
  /** Largest backoff ceiling (and cap on Retry-After). @default 30000 */
  maxMs?: number;
  /** @default setTimeout-based sleep */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** @default Math.random */
  random?: () => number;
  signal?: AbortSignal;
  /** Called before each wait, e.g. to count retries in metrics. */
  onRetry?: (info: { attempt: number; delayMs: number; error: Error }) => void;
}

/**
 * Runs `attempt` until it returns, throws a non-retryable error, or retries run out.
 * The final error is the underlying one (not the RetryableError wrapper).
 *
 * @throws {RangeError} for negative maxRetries or baseMs > maxMs
 *
 * @example
 * ```ts
 * const page = await withRetry(async () => {
 *   const res = await fetch(url);
 *   if (res.status >= 500) throw new RetryableError(new Error(`HTTP ${res.status}`));
 *   return res.json();
 * }, { maxRetries: 3 });
 * ```
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const maxRetries = options.maxRetries ?? 5;
  const baseMs = options.baseMs ?? 250;
  const maxMs = options.maxMs ?? 30_000;
  if (maxRetries < 0 || baseMs < 0 || baseMs > maxMs) throw new RangeError("invalid retry options");
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  for (let n = 0;; n++) {
    try {
      return await attempt(n);
    } catch (e) {
      if (!(e instanceof RetryableError)) throw e;
      if (n >= maxRetries || options.signal?.aborted) throw e.error;
      const ceiling = Math.min(maxMs, baseMs * 2 ** n);
      const delayMs = e.retryAfterMs !== null
        ? Math.min(maxMs, e.retryAfterMs)
        : Math.round(random() * ceiling);
      options.onRetry?.({ attempt: n + 1, delayMs, error: e.error });
      await wait(delayMs, options.signal);
    }
  }
}

/**
 * Milliseconds from a Retry-After header (seconds or an HTTP date), or null.
 *
 * @example
 * ```ts
 * parseRetryAfter("2", Date.now()); // 2000
 * ```
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null || value.trim() === "") return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
