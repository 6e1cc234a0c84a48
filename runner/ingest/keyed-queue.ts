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

/**
 * Creates a queue keyed by string.
 *
 * @returns `run(key, task)`: resolves or rejects as `task` does, after every earlier task of `key` settled
 *
 * @example
 * ```ts
 * const queue = createKeyedQueue();
 * await Promise.all([queue.run("User:u1", a), queue.run("User:u1", b)]); // b starts after a settled
 * ```
 */
export function createKeyedQueue() {
  const tails = new Map<string, Promise<void>>();
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const result = (tails.get(key) ?? Promise.resolve()).then(task);
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
