/**
 * Gathers one pass's creates (or updates) across pages and hands them on in
 * chunks: a 1% change spread over a 100,000-user listing touches every page
 * with ten changes, and written page by page that was 100 writes of 10, each
 * three round trips (the old values for the change log, the bulk write, the
 * records). Gathered, it is one write of 1,000. What is gathered is at most
 * one chunk, so memory stays flat.
 *
 * @module
 */
import type { Change } from "./diff.ts";

/** What {@linkcode createWriteBuffer} returns. */
export interface WriteBuffer<T> {
  /** Adds changes; hands on every full chunk. */
  add(changes: readonly Change<T>[]): Promise<void>;
  /** Hands on what is left (the pass's end). */
  flush(): Promise<void>;
}

/**
 * Creates a buffer that calls `write` with chunks of `size` changes (the
 * last one smaller), never with an empty one.
 *
 * @throws {RangeError} when `size` is not a positive integer
 * @example
 * ```ts
 * const creates = createWriteBuffer((c) => write(() => store.createUsers(c, "full_sync"), stats), 1000);
 * await creates.add(batch.creates);
 * await creates.flush();
 * ```
 */
export function createWriteBuffer<T>(
  write: (changes: readonly Change<T>[]) => Promise<void>,
  size: number,
): WriteBuffer<T> {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`size must be a positive integer, got ${size}`);
  }
  let pending: Change<T>[] = [];
  const take = (n: number) => {
    const chunk = pending.slice(0, n);
    pending = pending.slice(n);
    return chunk;
  };
  return {
    async add(changes) {
      for (const c of changes) pending.push(c);
      while (pending.length >= size) await write(take(size));
    },
    async flush() {
      if (pending.length > 0) await write(take(pending.length));
    },
  };
}
