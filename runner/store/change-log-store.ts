/**
 * `syncChanges`: the per-person change log, one document per update,
 * deactivation, reactivation, webhook create and purge
 * (documents/change-record.ts builds them), and one per chunk of a sync's
 * creates (documents/created-batch.ts). Written in one insertMany per write
 * batch, never one round trip per document; read back per person in one
 * shape; kept as long as `syncHistory` (SYNC_HISTORY_TTL_DAYS) by the same
 * TTL index or sweep (history-store.ts).
 *
 * @module
 */
import type { Db } from "mongodb";
import type { ChangeRecord } from "../documents/change-record.ts";
import { type CreatedBatch, createdRecordOf } from "../documents/created-batch.ts";
import { type ChangeDoc, type CreatedBatchDoc, SYNC_CHANGES } from "./collections.ts";
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
  const batches = db.collection<CreatedBatchDoc>(SYNC_CHANGES);
  const expiresAt = (at: Date) => new Date(at.getTime() + opts.ttlDays * 86_400_000);
  return translateDriverErrors({
    /** The look-up indexes (one record, chunks of creates); retention is the history store's. */
    async ensureIndexes(): Promise<void> {
      await col.createIndex({ resourceId: 1, at: -1 });
      await batches.createIndex({ resourceIds: 1, at: -1 });
    },
    /** One insertMany for the whole batch (insertOne for one: no bulk machinery); nothing for none. */
    async record(records: readonly ChangeRecord[]): Promise<void> {
      const docs = records.map((r) => ({ ...r, expiresAt: expiresAt(r.at) }));
      if (docs.length === 1) await col.insertOne(docs[0] as ChangeDoc);
      else if (docs.length > 1) await col.insertMany(docs, { ordered: false });
    },
    /** One chunk of a sync's creates, one document. */
    async recordCreated(batch: CreatedBatch): Promise<void> {
      await batches.insertOne({ ...batch, expiresAt: expiresAt(batch.at) });
    },
    /** The last changes of one user or org unit, newest first, chunks of creates included. */
    async forResource(
      resourceType: "User" | "Group",
      resourceId: string,
      limit: number,
    ): Promise<ChangeDoc[]> {
      // Two queries, each on its own index: an $or would leave the choice to the server.
      const [own, inBatches] = await Promise.all([
        col.find({ resourceId, resourceType }).sort({ at: -1 }).limit(limit).toArray(),
        batches.find({ resourceIds: resourceId, resourceType }).sort({ at: -1 }).limit(limit)
          .toArray(),
      ]);
      const created = inBatches.flatMap((b): ChangeDoc[] => {
        const r = createdRecordOf(b, resourceId);
        return r ? [{ ...r, _id: b._id, expiresAt: b.expiresAt }] : [];
      });
      return [...own, ...created].sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, limit);
    },
  });
}
