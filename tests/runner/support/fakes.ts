/**
 * In-memory stand-ins for the scheduler tests: a lease store with the same
 * rules as the Mongo one, a syncHistory list and a sync engine whose runs the
 * test finishes when it wants.
 *
 * @module
 */
import type { SyncHistoryDoc } from "../../../runner/store/collections.ts";
import type { LeaseStore } from "../../../runner/store/lease-store.ts";
import type { ScheduledSyncOptions } from "../../../runner/scheduler/scheduler.ts";
import { emptyStats } from "../../../runner/sync/sync-stats.ts";

/**
 * A lease store in memory, sharing one clock.
 *
 * @example
 * ```ts
 * const store = memoryLeaseStore(() => new Date());
 * await store.acquire("scim-sync", "a", 30_000);
 * ```
 */
export function memoryLeaseStore(now: () => Date): LeaseStore & { owner(): string | null } {
  let doc: { owner: string | null; expiresAt: Date; acquiredAt: Date } | null = null;
  const live = () => (doc && doc.owner && doc.expiresAt.getTime() >= now().getTime() ? doc : null);
  return {
    owner: () => live()?.owner ?? null,
    async acquire(name, owner, ttl) {
      const cur = live();
      if (cur && cur.owner !== owner) return null;
      doc = { owner, expiresAt: new Date(now().getTime() + ttl), acquiredAt: now() };
      return { _id: name, ...doc };
    },
    async renew(_name, owner, ttl) {
      const cur = live();
      if (!cur || cur.owner !== owner) return false;
      cur.expiresAt = new Date(now().getTime() + ttl);
      return true;
    },
    async release(_name, owner) {
      if (!doc || doc.owner !== owner) return false;
      doc = { ...doc, owner: null, expiresAt: new Date(0) };
      return true;
    },
    async holder(name) {
      const cur = live();
      return cur ? { _id: name, ...cur } : null;
    },
  };
}

/**
 * A history entry as the engine records it: a delta carries its `since` and the
 * `meta.lastModified gt` filter generated from it (runner/sync/sync-engine.ts).
 */
export function historyDoc(
  type: "full" | "delta",
  status: SyncHistoryDoc["status"],
  startedAt: Date,
  completedAt: Date | null = startedAt,
  since: Date | null = type === "delta" ? new Date(startedAt.getTime() - 17 * 60_000) : null,
): SyncHistoryDoc {
  return {
    type: type === "full" ? "scim_full_sync" : "scim_delta_sync",
    startedAt,
    completedAt,
    filter: since ? `meta.lastModified gt "${since.toISOString()}"` : null,
    since,
    dryRun: false,
    status,
    stats: emptyStats(),
  };
}

/** One call of the fake engine. */
export interface FakeRun {
  options: ScheduledSyncOptions;
  startedAt: Date;
  /** Ends the run with this status (recorded in the shared history). */
  finish(status?: SyncHistoryDoc["status"]): void;
}

/**
 * A fake sync engine writing into `history`. With `auto`, each run ends at
 * once with that status; otherwise the test calls `finish`. An aborted
 * signal ends the run as `interrupted`, like the real engine.
 *
 * @example
 * ```ts
 * const engine = fakeEngine(history, clock.now, { auto: "success" });
 * ```
 */
export function fakeEngine(
  history: SyncHistoryDoc[],
  now: () => Date,
  opts: { auto?: SyncHistoryDoc["status"]; throws?: boolean } = {},
) {
  const runs: FakeRun[] = [];
  let seq = 0;
  async function runSync(options: ScheduledSyncOptions) {
    if (opts.throws) throw new Error("MongoDB unavailable");
    const startedAt = now();
    const doc = historyDoc(options.type, "running", startedAt, null, options.since ?? null);
    history.push(doc);
    const result = new Promise<SyncHistoryDoc>((resolve) => {
      const finish = (status: SyncHistoryDoc["status"] = "success") => {
        doc.status = status;
        doc.completedAt = now();
        resolve(doc);
      };
      options.signal.addEventListener("abort", () => finish("interrupted"));
      runs.push({ options, startedAt, finish });
      if (opts.auto) finish(opts.auto);
    });
    return { history: await result, historyId: `history-${++seq}` };
  }
  return { runs, runSync };
}
