/**
 * Lets a pass map and hash pages while the index of existing documents is
 * still being read. At 100,000 users the index takes the database half a
 * second or more, and the pass used to wait for it before asking for its
 * first page; now the pages read meanwhile wait here instead, up to a
 * bound, so memory stays flat.
 *
 * @module
 */

/** What {@linkcode createReadAhead} returns. */
export interface ReadAhead<I> {
  /** Holds the items while the index is not ready and the bound allows; hands them on otherwise. */
  add(items: I[]): Promise<void>;
  /** Hands on what is held (waits for the index). */
  flush(): Promise<void>;
}

/**
 * Creates the read-ahead for one pass.
 *
 * @param index the index, or the promise of it (a rejection is thrown by the next add or flush)
 * @param limit items held at most before add() waits for the index
 * @param handle what to do with a page's items once the index is there, in page order
 *
 * @example
 * ```ts
 * const ahead = createReadAhead(store.userIndex(), 20_000, (items, index) => diffAndWrite(items, index));
 * for await (const page of pages) await ahead.add(hashed(page));
 * await ahead.flush();
 * ```
 */
export function createReadAhead<I, X>(
  index: X | Promise<X>,
  limit: number,
  handle: (items: I[], index: X) => Promise<void>,
): ReadAhead<I> {
  let ready: { index: X } | null = null;
  const whenReady = Promise.resolve(index).then((i) => (ready = { index: i }));
  // Awaited by add() or flush(); until then a rejection must not count as unhandled.
  whenReady.catch(() => {});
  let held: I[][] = [];
  let count = 0;
  const release = async (): Promise<X> => {
    const x = (ready ?? await whenReady).index;
    const pages = held;
    held = [];
    count = 0;
    for (const items of pages) await handle(items, x);
    return x;
  };
  return {
    async add(items) {
      if (ready === null && count + items.length <= limit) {
        held.push(items);
        count += items.length;
        return;
      }
      await handle(items, await release());
    },
    async flush() {
      await release();
    },
  };
}
