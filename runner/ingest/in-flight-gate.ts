/**
 * Load shedding for the ingestion routes: at most `max` webhook events are
 * being applied at once, across the ingestion API and the runner's own
 * webhook route. A request past the limit is answered 503 with
 * `Retry-After` at once, before its body is read or its signature checked,
 * so a burst costs the runner almost nothing and the sender (the edge, or
 * the SSO behind it) delivers again later. Events already admitted keep the
 * MongoDB pool to themselves, so they finish before their callers give up.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";

/** Options of {@linkcode createInFlightGate}. */
export interface InFlightGateOptions {
  /** Events applied at once (INGEST_MAX_IN_FLIGHT). */
  max: number;
  /** Seconds the sender is asked to wait. @default 1 */
  retryAfterSeconds?: number;
  /** Told each time a request is refused with 503 (the ingestion-503 alert's counter). */
  onBusy?: () => void;
}

/** What {@linkcode createInFlightGate} returns. */
export interface InFlightGate {
  /** Takes `n` slots if they are free; false (nothing taken) when they are not. */
  take(n: number): boolean;
  /** Gives back `n` slots. */
  release(n: number): void;
  /** Slots taken now. */
  readonly inFlight: number;
  /** Middleware: one slot per request for its lifetime, or 503 at once. */
  middleware(): MiddlewareHandler;
  /** The 503 answer, for a batch that cannot take the rest of its slots. */
  busy(c: Context): Response;
  /** The limit. */
  readonly max: number;
}

/**
 * Creates a gate.
 *
 * @param options the limit and the Retry-After value
 * @returns the gate; share one between every route that applies events
 * @throws {RangeError} when `max` is not a positive integer
 *
 * @example
 * ```ts
 * const gate = createInFlightGate({ max: 64 });
 * app.use("/api/v1/scim/events", gate.middleware());
 * ```
 */
export function createInFlightGate(options: InFlightGateOptions): InFlightGate {
  const { max } = options;
  if (!Number.isInteger(max) || max <= 0) {
    throw new RangeError(`max must be a positive integer, got ${max}`);
  }
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  let taken = 0;
  const gate: InFlightGate = {
    max,
    get inFlight() {
      return taken;
    },
    take(n) {
      if (taken + n > max) return false;
      taken += n;
      return true;
    },
    release(n) {
      taken = Math.max(0, taken - n);
    },
    busy(c) {
      options.onBusy?.();
      c.header("Retry-After", retryAfter);
      return c.json({ error: "Too many webhook events in flight; retry later" }, 503);
    },
    middleware() {
      return async (c, next) => {
        if (!gate.take(1)) return gate.busy(c);
        try {
          await next();
        } finally {
          gate.release(1);
        }
      };
    },
  };
  return gate;
}
