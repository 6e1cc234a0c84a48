/**
 * `notifications`: one document per message (a condition raised, or cleared),
 * its `_id` the message id. Taking a message is an insert against that unique
 * `_id` — the one write atomic on MongoDB and FerretDB alike — so of several
 * replicas (or restarts) evaluating the same condition exactly one sends it.
 * Delivery state (attempts, next attempt, which transports took it) is
 * updated by whoever delivers. Taking one delivery attempt is an insert too,
 * of `<message id>#<attempt>` into `notificationAttempts`: a conditional update
 * (`{ _id, status: "pending", attempts }`) is not applied atomically by FerretDB,
 * and two replicas both "took" the same attempt and sent the message twice.
 *
 * @module
 */
import type { Db } from "mongodb";
import { translateDriverErrors } from "./driver-errors.ts";
import { insertClaim } from "./insert-claim.ts";
import { escapeRegex } from "./regex-escape.ts";

/** The collection. */
export const NOTIFICATIONS = "notifications";
/** One document per delivery attempt taken, `_id` `<message id>#<attempt>`. */
export const NOTIFICATION_ATTEMPTS = "notificationAttempts";

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
   * another replica took this attempt first. `now` is the caller's clock (a held attempt
   * is taken over once its hold, until − now, has passed).
   */
  take(id: string, attempts: number, until: Date, now: Date): Promise<boolean>;
  /** Messages any replica delivered since `since` (the hourly limit is shared). */
  sentSince(since: Date): Promise<number>;
}

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
  const attemptsCol = db.collection<{ _id: string; at: Date }>(NOTIFICATION_ATTEMPTS);
  return translateDriverErrors({
    async ensureIndexes() {
      await col.createIndex({ status: 1, nextAttemptAt: 1 });
      await col.createIndex({ event: 1, cleared: 1 });
    },
    claim: (doc: NotificationDoc) => insertClaim(col, doc),
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
    async take(id: string, attempts: number, until: Date, now: Date) {
      // False: another replica took it.
      const claim = (key: string) => insertClaim(attemptsCol, { _id: key, at: now });
      const base = `${id}#${attempts}`;
      if (!(await claim(base))) {
        // A deliverer that took this attempt and died before counting it leaves the message
        // due with the same count: once its hold has passed, one replica takes it over.
        const prior = await attemptsCol.find({ _id: { $regex: `^${escapeRegex(base)}(#|$)` } })
          .toArray();
        const newest = Math.max(...prior.map((p) => p.at.getTime()));
        if (now.getTime() - newest < until.getTime() - now.getTime()) return false;
        if (!(await claim(`${base}#${prior.length}`))) return false;
      }
      await col.updateOne({ _id: id, status: "pending" }, {
        $set: { attempts: attempts + 1, nextAttemptAt: until },
      });
      return true;
    },
    sentSince(since: Date) {
      return col.countDocuments({ status: "sent", sentAt: { $gte: since } });
    },
  });
}
