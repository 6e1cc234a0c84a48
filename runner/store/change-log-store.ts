/**
 * `syncChanges`: the per-person change log, one document per create,
 * update, deactivation and reactivation (documents/change-record.ts builds
 * them). Written in one insertMany per write batch, never one round trip per
 * document; kept as long as `syncHistory` (SYNC_HISTORY_TTL_DAYS) by the same
 * TTL index or sweep (history-store.ts).
 *
 * @module
 */
import type { Db } from "mongodb";
import type { ChangeRecord } from "../documents/change-record.ts";
import { type ChangeDoc, SYNC_CHANGES } from "./collections.ts";
import { translateDriverErrors } from "./driver-errors.ts";

/** What {@linkcode createChangeLogStore} returns. */
export type ChangeLogStore = ReturnType<typeof createChangeLogStore>;

export type { ChangeLogWriter } from "./change-journal.ts";

/**
 * Creates the change log store.
 *
 * @example
 * ```ts
 * const changes = createChangeLogStore(db, { ttlDays: 90 });
 * await changes.ensureIndexes();
 * const last = await changes.forResource("User", "u1", 20);
 * ```
 */
export function createChangeLogStore(db: Db, opts: { ttlDays: number }) {
  const col = db.collection<ChangeDoc>(SYNC_CHANGES);
  const expiresAt = (at: Date) => new Date(at.getTime() + opts.ttlDays * 86_400_000);
  return translateDriverErrors({
    /** The look-up index; retention (TTL or sweep) is set up by the history store. */
    async ensureIndexes(): Promise<void> {
      await col.createIndex({ resourceId: 1, at: -1 });
    },
    /** One insertMany for the whole batch; nothing for an empty one. */
    async record(records: readonly ChangeRecord[]): Promise<void> {
      if (records.length === 0) return;
      await col.insertMany(records.map((r) => ({ ...r, expiresAt: expiresAt(r.at) })), {
        ordered: false,
      });
    },
    /** The last changes of one user or org unit, newest first. */
    forResource(
      resourceType: "User" | "Group",
      resourceId: string,
      limit: number,
    ): Promise<ChangeDoc[]> {
      return col.find({ resourceId, resourceType }).sort({ at: -1 }).limit(limit).toArray();
    },
    /** Every change a source wrote (a sync run's historyId or a webhook's eventId). */
    bySource(key: { historyId?: string; eventId?: string }, limit = 1000): Promise<ChangeDoc[]> {
      const filter = key.historyId !== undefined
        ? { "source.historyId": key.historyId }
        : { "source.eventId": key.eventId };
      return col.find(filter).sort({ at: -1 }).limit(limit).toArray();
    },
  });
}
