/**
 * One task at a time per key, in arrival order; different keys run in
 * parallel. The event applier (apply-event.ts) runs each resource's events through it because
 * FerretDB 1.24 evaluates an update's filter and writes the document in
 * separate steps, so a version-guarded update alone does not stop two
 * concurrent events for one user from both writing (13 of 30 rounds in a
 * race test); on MongoDB the guard alone would do.
 *
 * @module
 */
import { ScimSyncError } from "../../shared/errors.ts";

/**
 * A task of the queue had not settled after `stallMs`: its caller is answered with this, and
 * the key's next task no longer waits for it.
 *
 * @example
 * ```ts
 * throw new QueueStallError("User:u1", 60_000);
 * ```
 */
export class QueueStallError extends ScimSyncError {
  constructor(key: string, stallMs: number) {
    super(
      "STORE_UNAVAILABLE",
      `${key}: MongoDB had not answered this event's writes after ${stallMs / 1000} s; deliver ` +
        `it again (later events of ${key} no longer wait for that attempt)`,
    );
  }
}

/** Options of {@linkcode createKeyedQueue}. */
export interface KeyedQueueOptions {
  /**
   * After this long, a task that has not settled stops holding its key: its caller gets a
   * {@linkcode QueueStallError} and the next task starts. Without it, one MongoDB command left
   * pending for good (seen with the driver under Bun when the server died under it) held
   * that person's events until a restart. @default no bound
   */
  stallMs?: number;
  setTimer?: (fn: () => void, ms: number) => () => void;
}

/**
 * Creates a queue keyed by string.
 *
 * @returns `run(key, task)`: resolves or rejects as `task` does, after every earlier task of `key` settled
 *   (or stalled, with `stallMs`)
 *
 * @example
 * ```ts
 * const queue = createKeyedQueue({ stallMs: 60_000 });
 * await Promise.all([queue.run("User:u1", a), queue.run("User:u1", b)]); // b starts after a settled
 * ```
 */
export function createKeyedQueue(options: KeyedQueueOptions = {}) {
  const tails = new Map<string, Promise<void>>();
  const setTimer = options.setTimer ?? ((fn, ms) => {
    const id = setTimeout(fn, ms);
    return () => clearTimeout(id);
  });
  const bounded = <T>(key: string, work: Promise<T>): Promise<T> => {
    const stallMs = options.stallMs;
    if (stallMs === undefined) return work;
    work.catch(() => {}); // a stalled task's late failure is nobody's
    let cancel = () => {};
    const stalled = new Promise<never>((_, reject) => {
      cancel = setTimer(() => reject(new QueueStallError(key, stallMs)), stallMs);
    });
    return Promise.race([work.finally(() => cancel()), stalled]);
  };
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const result = (tails.get(key) ?? Promise.resolve()).then(() => bounded(key, task()));
      const tail = result.then(() => {}, () => {});
      tails.set(key, tail);
      // Forget the key once idle, so the map holds only resources with events in flight.
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    /** Keys with tasks queued or running (for tests). */
    get size(): number {
      return tails.size;
    },
  };
}
