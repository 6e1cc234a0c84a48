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

/** How long a run may take to end once its signal aborted, before it is given up. */
export const ABORT_GRACE_MS = 5_000;

/**
 * The run's signal aborted and the run had not ended `graceMs` later: a request it was
 * waiting on never answered (the MongoDB driver under Bun was seen to leave a command
 * pending for good when its server died under it).
 *
 * @example
 * ```ts
 * throw new RunUnresponsiveError(new Error("shutdown"), 5_000);
 * ```
 */
export class RunUnresponsiveError extends ScimSyncError {
  constructor(reason: unknown, graceMs: number) {
    const why = reason instanceof ScimSyncError
      ? reason.message.replace(/\.$/, "")
      : `Sync stopped (${reason instanceof Error ? reason.message : String(reason)})`;
    super(
      "RUN_UNRESPONSIVE",
      `${why}. A request of the run (to MongoDB or the SSO) had not answered ` +
        `${formatDuration(graceMs)} later, so the run was given up without it (a write already ` +
        `sent may still land).`,
    );
  }
}

/**
 * `work`, unless `signal` aborts and `work` has not settled `graceMs` later: then a
 * {@linkcode RunUnresponsiveError}. Whatever `work` does afterwards is nobody's (its
 * rejection is swallowed), so a run whose request hangs still ends, is recorded and lets
 * the scheduler back off; without this, a hung request held the run, the lease and the
 * scheduler until the process was killed.
 *
 * @example
 * ```ts
 * const deadline = startRunDeadline(30 * 60_000, options.signal);
 * await giveUpAfterAbort(work(deadline.signal), deadline.signal);
 * ```
 */
export function giveUpAfterAbort<T>(
  work: Promise<T>,
  signal: AbortSignal,
  graceMs: number = ABORT_GRACE_MS,
  setTimer: (fn: () => void, ms: number) => () => void = (fn, t) => {
    const id = setTimeout(fn, t);
    return () => clearTimeout(id);
  },
): Promise<T> {
  work.catch(() => {});
  let cancel = () => {};
  let onAbort = () => {};
  const givenUp = new Promise<never>((_, reject) => {
    onAbort = () => {
      cancel = setTimer(() => reject(new RunUnresponsiveError(signal.reason, graceMs)), graceMs);
    };
  });
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  return Promise.race([
    work.finally(() => {
      cancel();
      signal.removeEventListener("abort", onAbort);
    }),
    givenUp,
  ]);
}
