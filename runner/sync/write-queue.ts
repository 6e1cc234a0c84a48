/**
 * Runs the store's batch writes behind the fetching of the next page, with a
 * bound on writes in flight so memory stays flat. The first failure is kept
 * and rethrown by drain(), which the engine calls at each phase end.
 *
 * @module
 */
import type { WriteOutcome } from "./ports.ts";

export interface WriteQueue {
  /**
   * Queues a write; resolves once it has started, so a fast fetcher waits for a slow store.
   * `done` receives what MongoDB acknowledged (the caller counts it).
   */
  <T>(job: () => Promise<WriteOutcome<T>>, done: (r: WriteOutcome<T>) => void): Promise<void>;
  /** Waits for every queued write; throws the first failure. */
  drain(): Promise<void>;
}

/**
 * Creates a write queue.
 *
 * @example
 * ```ts
 * const write = createWriteQueue({ maxInFlight: 2 });
 * write(() => store.createUsers(changes, "full_sync"), (r) => (stats.usersCreated += r.written));
 * await write.drain();
 * ```
 */
export function createWriteQueue(options: { maxInFlight: number; dryRun?: boolean }): WriteQueue {
  let chain: Promise<void> = Promise.resolve();
  let inFlight = 0;
  let failure: unknown = null;
  const waiting: (() => void)[] = [];

  const run = async <T>(
    job: () => Promise<WriteOutcome<T>>,
    done: (r: WriteOutcome<T>) => void,
  ) => {
    if (failure !== null) return;
    try {
      done(await job());
    } catch (e) {
      failure ??= e;
    }
  };

  const enqueue = (<T>(job: () => Promise<WriteOutcome<T>>, done: (r: WriteOutcome<T>) => void) => {
    if (options.dryRun) return Promise.resolve();
    let started!: () => void;
    const startedP = new Promise<void>((r) => (started = r));
    // At most maxInFlight writes run at once.
    const start = async () => {
      while (inFlight >= options.maxInFlight) await new Promise<void>((r) => waiting.push(r));
      inFlight++;
      started();
      try {
        await run(job, done);
      } finally {
        inFlight--;
        waiting.shift()?.();
      }
    };
    const p = start();
    chain = chain.then(() => p);
    return startedP;
  }) as WriteQueue;

  enqueue.drain = async () => {
    await chain;
    if (failure !== null) {
      const f = failure;
      failure = null;
      throw f;
    }
  };
  return enqueue;
}
