/**
 * `notifications`: one document per message (a condition raised, or cleared),
 * its `_id` the message id. Taking a message is an insert against that unique
 * `_id` — the one write atomic on MongoDB and FerretDB alike — so of several
 * replicas (or restarts) evaluating the same condition exactly one sends it.
 * Delivery state (attempts, next attempt, which transports took it) is
 * updated by whoever delivers.
 *
 * @module
 */
import { type Db, MongoServerError } from "mongodb";
import { translateDriverErrors } from "./driver-errors.ts";

/** The collection. */
export const NOTIFICATIONS = "notifications";

/** One message as stored. */
export interface NotificationDoc {
  /** `<kind>:<episode>:<event>`. */
  _id: string;
  kind: string;
  episode: string;
  event: "raised" | "cleared";
  severity: "critical" | "warning" | "resolved";
  title: string;
  detail: string;
  createdAt: Date;
  /** pending: to deliver at `nextAttemptAt`; sent; failed: given up; superseded: never sent. */
  status: "pending" | "sent" | "failed" | "superseded";
  attempts: number;
  nextAttemptAt: Date | null;
  /** Transports that took it. */
  sentBy: string[];
  sentAt: Date | null;
  lastError: string | null;
  /** Raised messages: set once the condition cleared. */
  cleared?: boolean;
  runner: string;
}

/** What {@linkcode createNotificationStore} returns. */
export interface NotificationStore {
  ensureIndexes(): Promise<void>;
  /** Inserts the message; false when it exists already (another evaluation took it). */
  claim(doc: NotificationDoc): Promise<boolean>;
  /** Raised messages whose condition has not cleared. */
  openRaised(): Promise<NotificationDoc[]>;
  /** Messages to deliver now, oldest first. */
  due(now: Date, limit: number): Promise<NotificationDoc[]>;
  update(id: string, patch: Partial<Omit<NotificationDoc, "_id">>): Promise<void>;
  /**
   * Takes a due message for one delivery attempt: counts the attempt and moves its next
   * attempt to `until` (when a crashed deliverer's message is due again). False when
   * another replica took this attempt first.
   */
  take(id: string, attempts: number, until: Date): Promise<boolean>;
  /** Messages any replica delivered since `since` (the hourly limit is shared). */
  sentSince(since: Date): Promise<number>;
}

const isDuplicateKey = (e: unknown) => e instanceof MongoServerError && e.code === 11000;

/**
 * Creates the store over `db.notifications`.
 *
 * @example
 * ```ts
 * const store = createNotificationStore(db);
 * if (await store.claim(doc)) await deliver(doc);
 * ```
 */
export function createNotificationStore(db: Db): NotificationStore {
  const col = db.collection<NotificationDoc>(NOTIFICATIONS);
  return translateDriverErrors({
    async ensureIndexes() {
      await col.createIndex({ status: 1, nextAttemptAt: 1 });
      await col.createIndex({ event: 1, cleared: 1 });
    },
    async claim(doc: NotificationDoc) {
      try {
        await col.insertOne(doc);
        return true;
      } catch (e) {
        if (isDuplicateKey(e)) return false;
        throw e;
      }
    },
    openRaised() {
      return col.find({ event: "raised", cleared: { $ne: true } }).toArray();
    },
    due(now: Date, limit: number) {
      return col.find({ status: "pending", nextAttemptAt: { $lte: now } })
        .sort({ createdAt: 1 }).limit(limit).toArray();
    },
    async update(id: string, patch: Partial<Omit<NotificationDoc, "_id">>) {
      await col.updateOne({ _id: id }, { $set: patch });
    },
    async take(id: string, attempts: number, until: Date) {
      const res = await col.updateOne({ _id: id, status: "pending", attempts }, {
        $set: { attempts: attempts + 1, nextAttemptAt: until },
      });
      return res.modifiedCount === 1;
    },
    sentSince(since: Date) {
      return col.countDocuments({ status: "sent", sentAt: { $gte: since } });
    },
  });
}
