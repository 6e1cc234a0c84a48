/**
 * The overall deadline of one sync run (`SYNC_MAX_DURATION`). Whatever the
 * SSO does — slow pages, a listing that grows forever — a run ends: the
 * deadline aborts the signal every request of the run listens to, the engine
 * records the run as failed, and the caller releases the lease.
 *
 * @module
 */
import { ScimSyncError } from "../../shared/errors.ts";
import { formatDuration } from "../../shared/duration.ts";

/** Default of `SYNC_MAX_DURATION`: 30 minutes (a 100,000-user full sync takes seconds to minutes). */
export const DEFAULT_MAX_SYNC_DURATION_MS = 30 * 60_000;

/**
 * The run passed `SYNC_MAX_DURATION`.
 *
 * @example
 * ```ts
 * throw new SyncDeadlineError(1_800_000);
 * ```
 */
export class SyncDeadlineError extends ScimSyncError {
  constructor(limitMs: number) {
    super(
      "SYNC_DEADLINE",
      `Sync stopped: it ran longer than SYNC_MAX_DURATION (${
        formatDuration(limitMs)
      }). Nothing was deactivated ` +
        `and the sync lease is released. If the directory is really this slow to list, raise SYNC_MAX_DURATION.`,
    );
  }
}

/** A run's deadline. */
export interface RunDeadline {
  /** Aborts when the outer signal does or the deadline passes. */
  signal: AbortSignal;
  /** Whether the deadline (not the outer signal) ended the run. */
  expired(): boolean;
  /** Stops the timer; call when the run ends so nothing keeps the process alive. */
  clear(): void;
}

/**
 * Starts a run's deadline.
 *
 * @param ms the longest the run may take
 * @param outer the caller's signal (shutdown, lost lease), if any
 * @param setTimer injectable timer (tests) @default setTimeout/clearTimeout
 * @throws {RangeError} when ms is not positive
 *
 * @example
 * ```ts
 * const deadline = startRunDeadline(30 * 60_000, options.signal);
 * try { await work(deadline.signal); } finally { deadline.clear(); }
 * ```
 */
export function startRunDeadline(
  ms: number,
  outer?: AbortSignal,
  setTimer: (fn: () => void, ms: number) => () => void = (fn, t) => {
    const id = setTimeout(fn, t);
    return () => clearTimeout(id);
  },
): RunDeadline {
  if (!(ms > 0)) throw new RangeError(`the run deadline must be positive, got ${ms}`);
  const controller = new AbortController();
  const cancel = setTimer(() => controller.abort(new SyncDeadlineError(ms)), ms);
  const signal = outer ? AbortSignal.any([outer, controller.signal]) : controller.signal;
  // Whichever aborted first gave the combined signal its reason.
  return {
    signal,
    expired: () => signal.aborted && signal.reason instanceof SyncDeadlineError,
    clear: cancel,
  };
}
