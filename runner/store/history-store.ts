/**
 * `syncHistory`: one document per run, in the guide's shape, written when the
 * run starts (status "running") and completed when it ends — for failed,
 * aborted and interrupted runs too. Retention by TTL index where the server
 * has them, else a sweep after each run (FerretDB refuses TTL indexes). The
 * sweep also closes webhook records a stopped runner left `processing`.
 *
 * @module
 */
import type { Db, ObjectId } from "mongodb";
import type { Logger } from "../../shared/logger.ts";
import { translateDriverErrors } from "./driver-errors.ts";
import { createEventStore, type EventStore } from "./event-store.ts";
import {
  SYNC_CHANGES,
  SYNC_HISTORY,
  type SyncHistoryDoc,
  type SyncType,
  WEBHOOK_EVENTS,
} from "./collections.ts";

export type HistoryStore = ReturnType<typeof createHistoryStore>;

/** The runs of a sync; `syncHistory` also holds `npm run purge`'s records (type "purge"). */
const SYNC_TYPES: SyncType[] = ["scim_full_sync", "scim_delta_sync"];

/**
 * Creates the history store.
 *
 * @example
 * ```ts
 * const history = createHistoryStore(db, { ttlDays: 90, logger });
 * await history.ensureIndexes();
 * const last = await history.recent(20);
 * ```
 */
export function createHistoryStore(
  db: Db,
  opts: { ttlDays: number; logger: Logger; now?: () => Date },
) {
  const col = db.collection<SyncHistoryDoc>(SYNC_HISTORY);
  const events = createEventStore(db);
  const now = opts.now ?? (() => new Date());
  let ttlIndex = false;
  const expiresAt = (from: Date) => new Date(from.getTime() + opts.ttlDays * 86_400_000);

  return translateDriverErrors({
    /** Creates indexes; falls back to sweeping when the server refuses TTL. */
    async ensureIndexes(): Promise<"ttl" | "sweep"> {
      const retention = await ensureHistoryIndexes(db, opts);
      ttlIndex = retention === "ttl";
      return retention;
    },
    expiresAt,
    async start(doc: SyncHistoryDoc): Promise<ObjectId> {
      const res = await col.insertOne({ ...doc, expiresAt: expiresAt(doc.startedAt) });
      return res.insertedId as ObjectId;
    },
    async finish(id: ObjectId, patch: Partial<SyncHistoryDoc>): Promise<void> {
      await col.updateOne({ _id: id }, { $set: patch });
    },
    /**
     * Marks every other `running` record failed. Only safe for a caller that
     * holds the sync lease: then no other run can be alive.
     */
    async markAbandoned(except: ObjectId): Promise<number> {
      const r = await col.updateMany({ status: "running", _id: { $ne: except } }, {
        $set: {
          status: "failed",
          completedAt: now(),
          error: {
            code: "RUN_ABANDONED",
            message:
              "The runner stopped (killed, crashed or cut off from MongoDB) before it recorded the end of this run.",
          },
        },
      });
      return r.modifiedCount;
    },
    /** After each run: closes abandoned webhook records, deletes what expired if no TTL does. */
    async sweep(): Promise<number> {
      await closeAbandonedEvents(events, now(), opts.logger);
      if (ttlIndex) return 0;
      const cut = { expiresAt: { $lt: now() } };
      const a = await col.deleteMany(cut);
      const b = await db.collection(WEBHOOK_EVENTS).deleteMany(cut);
      const c = await db.collection(SYNC_CHANGES).deleteMany(cut);
      return a.deletedCount + b.deletedCount + c.deletedCount;
    },
    recent(limit: number): Promise<SyncHistoryDoc[]> {
      return col.find({}).sort({ startedAt: -1 }).limit(limit).toArray();
    },
    last(): Promise<SyncHistoryDoc | null> {
      return col.find({ status: { $ne: "running" }, type: { $in: SYNC_TYPES } })
        .sort({ startedAt: -1 }).limit(1).next();
    },
    /**
     * The last successful run; a full run counts only unfiltered (a filtered one proves nothing
     * about the rest), and a run whose listing was not proven complete is no success (issue 23).
     */
    lastSuccess(type?: SyncType): Promise<SyncHistoryDoc | null> {
      const base = {
        status: "success" as const,
        dryRun: { $ne: true },
        complete: { $ne: false },
        // A purge record (type "purge", no filter) is no sync.
        type: { $in: SYNC_TYPES },
        $or: [{ type: "scim_delta_sync" as const }, { filter: null }],
      };
      return col.find(type ? { ...base, type } : base).sort({ startedAt: -1 }).limit(1).next();
    },
    running(): Promise<SyncHistoryDoc | null> {
      return col.find({ status: "running" }).sort({ startedAt: -1 }).limit(1).next();
    },
  });
}

/** Closes abandoned webhook records and says so; never throws (the next run's sweep tries again). */
async function closeAbandonedEvents(events: EventStore, at: Date, log: Logger): Promise<void> {
  try {
    const { failed, heldAgain } = await events.closeAbandoned(at);
    if (failed > 0) {
      log.warn(
        `⚠️ Marked ${failed} webhook event(s) failed that a stopped runner left processing: ` +
          "a new delivery applies them, the next full sync brings their resources in step",
      );
    }
    if (heldAgain > 0) {
      log.warn(
        `⚠️ ${heldAgain} held event(s) whose apply by an operator was cut off are held again`,
      );
    }
  } catch (e) {
    log.warn("⚠️ Could not close webhook events left processing; the next run tries again", {
      reason: e instanceof Error ? e.message : String(e),
    });
  }
}

/** The history's indexes; TTL indexes where the server takes them, else "sweep". */
async function ensureHistoryIndexes(
  db: Db,
  opts: { ttlDays: number; logger: Logger },
): Promise<"ttl" | "sweep"> {
  const col = db.collection<SyncHistoryDoc>(SYNC_HISTORY);
  await col.createIndex({ startedAt: -1 });
  try {
    await col.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: "expiresAt_ttl" });
    for (const other of [WEBHOOK_EVENTS, SYNC_CHANGES]) {
      await db.collection(other).createIndex({ expiresAt: 1 }, {
        expireAfterSeconds: 0,
        name: "expiresAt_ttl",
      });
    }
    opts.logger.info("🗂️ syncHistory retention: TTL index", { days: opts.ttlDays });
    return "ttl";
  } catch (e) {
    opts.logger.info(
      "🗂️ syncHistory retention: sweep after each run (server refused a TTL index)",
      {
        days: opts.ttlDays,
        reason: e instanceof Error ? e.message : String(e),
      },
    );
    return "sweep";
  }
}
