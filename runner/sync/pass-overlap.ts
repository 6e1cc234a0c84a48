/**
 * Lets the user pass start while the org unit pass still runs. Listed one after
 * the other, the first user page was asked for only once the org units were
 * written: at 10,000 people that wait (the org unit page's fetch and mapping,
 * its insert, the change log's record) was a sixth of an initial sync's wall
 * time, with the SSO idle. Behind the org units, the user pass fetches, maps
 * and hashes its pages (read-ahead.ts holds them, within its bound), and
 * nothing of it is diffed, written or shown as progress before the org unit
 * pass has ended with its writes acknowledged: users are still written after
 * org units, as before. A failed org unit pass stops the user listing at once.
 *
 * @module
 */

/** What {@linkcode createPassOverlap} returns. */
export interface PassOverlap {
  /** The user listing's signal: the run's, and aborted when the org unit pass fails. */
  signal: AbortSignal;
  /** `index` once the org unit pass has ended (the user pass diffs nothing before); rejects on abort. */
  after<T>(index: Promise<T>): Promise<T>;
  /** Wraps the user pass's progress: held (the latest page) until release(), then passed on. */
  onPage<P>(emit: (page: P) => void): (page: P) => void;
  /** The org unit pass has ended: the user pass diffs, writes and reports from now on. */
  release(): void;
  /** The org unit pass failed: the user listing stops and its pass rejects with `reason`. */
  abort(reason: unknown): void;
}

/**
 * Creates the overlap of one run's two passes.
 *
 * @param signal the run's signal (shutdown, a lost lease, SYNC_MAX_DURATION)
 *
 * @example
 * ```ts
 * const overlap = createPassOverlap(run.signal);
 * const usersP = resourcePass(userSpec, overlap.after(userIndexP), { ...ctx, list: { ...list, signal: overlap.signal } });
 * try {
 *   await resourcePass(unitSpec, unitIndexP, unitCtx);
 * } catch (e) {
 *   overlap.abort(e);
 *   throw e;
 * }
 * overlap.release();
 * const users = await usersP;
 * ```
 */
export function createPassOverlap(signal: AbortSignal): PassOverlap {
  const stop = new AbortController();
  let open!: () => void;
  let refuse!: (reason: unknown) => void;
  const opened = new Promise<void>((resolve, reject) => {
    open = resolve;
    refuse = reject;
  });
  // Awaited through after(); a user pass that never got that far must not leave it unhandled.
  opened.catch(() => {});
  let released = false;
  let held: (() => void) | null = null;
  return {
    signal: AbortSignal.any([signal, stop.signal]),
    after: async (index) => {
      const [value] = await Promise.all([index, opened]);
      return value;
    },
    onPage: (emit) => (page) => {
      if (released) emit(page);
      // Only the latest matters: each page's progress carries the count so far.
      else held = () => emit(page);
    },
    release() {
      released = true;
      held?.();
      held = null;
      open();
    },
    abort(reason) {
      refuse(reason);
      stop.abort(reason);
    },
  };
}
