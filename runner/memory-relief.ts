/**
 * Keeping a sync's resident memory within a budget. A full sync parses pages
 * far faster than it writes when nothing changed (a no-op at 100,000 users
 * reads 100 pages in about a second); JavaScriptCore then lets the heap grow
 * to more than twice what is live before it collects. Checked after each
 * page: over budget, one full collection brings it back to the live size.
 * The next one comes once resident memory has grown by a third of what was
 * live (at least a sixteenth of the budget): a full collection costs in
 * proportion to what is live, so a large organisation pays one now and then,
 * not one per page.
 *
 * @module
 */
import { heapSize } from "bun:jsc";

/** Options of {@linkcode createMemoryRelief}. */
export interface MemoryReliefOptions {
  /** SYNC_MEMORY_BUDGET_MB; 0 turns the check off. */
  budgetMB: number;
  /** Resident set size in bytes. @default process.memoryUsage.rss */
  rss?: () => number;
  /** A synchronous full collection. @default Bun.gc(true) */
  collect?: () => void;
  /**
   * Bytes live on the heap (right after a collection: what is really held). @default heapSize()
   * from bun:jsc: `heapStats()` returns the same figure but walks the whole heap to count
   * objects by type, which cost ~140 ms a call at 100,000 users (3.8 s of a 17 s no-op).
   */
  live?: () => number;
}

/**
 * Creates the per-page check.
 *
 * @param options the budget, and how to read memory and collect (injected in tests)
 * @returns a function that collects when over budget and says whether it did
 *
 * @example
 * ```ts
 * const relieve = createMemoryRelief({ budgetMB: 256 });
 * for await (const page of pages) { handle(page); relieve(); }
 * ```
 */
export function createMemoryRelief(options: MemoryReliefOptions): () => boolean {
  if (!Number.isFinite(options.budgetMB) || options.budgetMB < 0) {
    throw new RangeError(`budgetMB must be 0 or more, got ${options.budgetMB}`);
  }
  if (options.budgetMB === 0) return () => false;
  const budget = options.budgetMB * 1024 * 1024;
  // The allocator keeps freed pages, so resident memory stays where a collection left it
  // (~270 MB at 100,000 users) and a line at the budget alone forced a full collection on
  // every page (5.5 s of a 13 s no-op). The pages a collection frees are reused first, so
  // the line sits a step above what the last collection left: the next collection comes
  // once that much new garbage is resident, not on the next page.
  // A sixteenth at least: at 100,000 users a peak of 293 MB against 315 MB with an eighth,
  // for ~2 µs more CPU per user (bench/variants.ts, one run).
  const step = budget / 16;
  let line = budget;
  const rss = options.rss ?? (() => process.memoryUsage.rss());
  const collect = options.collect ?? (() => Bun.gc(true));
  const live = options.live ?? (() => heapSize());
  return () => {
    if (rss() <= line) return false;
    collect();
    // A third of what is live: at a million people 13–16 collections and 24–25 µs of CPU per
    // person in a no-op, peak 539–559 MB; a quarter 21–26, 27–30 µs and 480–492 MB; the earlier
    // rule (1.25× resident over three quarters of the budget live, a sixteenth of it otherwise)
    // 44–45, 30–31 µs and 413–449 MB (bench/variants.ts --users 1000000, two no-ops each).
    line = Math.max(budget, rss() + Math.max(step, live() / 3));
    return true;
  };
}
