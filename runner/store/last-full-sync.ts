/**
 * The last finished full sync of the whole directory, whatever its outcome —
 * what the page header shows beside the last run, since a night of
 * successful deltas can hide a full sync that keeps failing (and a full sync
 * is the only run that deactivates by absence). Dry runs, filtered runs and
 * on-demand runs are not full syncs of the directory.
 *
 * @module
 */
import type { Db } from "mongodb";
import { SYNC_HISTORY, type SyncHistoryDoc } from "./collections.ts";
import { translateDriverErrors } from "./driver-errors.ts";

/**
 * Creates the reader.
 *
 * @example
 * ```ts
 * const last = await createLastFullSync(db).read(); // { status: "aborted", … } or null
 * ```
 */
export function createLastFullSync(db: Db) {
  const col = db.collection<SyncHistoryDoc>(SYNC_HISTORY);
  return translateDriverErrors({
    /** The newest finished unfiltered full sync, or null when none is recorded. */
    read: (): Promise<SyncHistoryDoc | null> =>
      col.find({
        type: "scim_full_sync",
        status: { $ne: "running" },
        dryRun: { $ne: true },
        filter: null,
      }).sort({ startedAt: -1 }).limit(1).next(),
  });
}
