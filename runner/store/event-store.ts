/**
 * Applying webhook events exactly once. Each event is first recorded in
 * `webhookEvents` under a unique `eventId`: a second delivery hits the unique
 * index and changes nothing, unless the first attempt failed (then it is
 * retried). An event older than what is stored (the resource's
 * `meta.lastModified`, or the event time for deletes) is `stale`.
 *
 * No transactions (FerretDB has none): each write is conditional on the
 * version read just before it, so on MongoDB a concurrent newer write is
 * never undone (a lost race re-reads and decides again). FerretDB does not
 * apply such a guard atomically, so events of one resource also run one at a
 * time within this process (keyed-queue.ts); across two runner replicas on
 * FerretDB an interleaving stays possible, and the next full sync corrects
 * it. Writes keep the sync's content hash, so the next full sync does not
 * rewrite what a webhook wrote.
 *
 * @module
 */
import { type Db, MongoServerError } from "mongodb";
import type { ForwardedEvent } from "../../shared/webhook-event.ts";
import {
  ORG_UNITS,
  type OrgUnitDoc,
  type UserDoc,
  USERS,
  WEBHOOK_EVENTS,
  type WebhookEventDoc,
} from "./collections.ts";
import { createResourceWriter, RACED } from "./event-writes.ts";
import { createKeyedQueue } from "./keyed-queue.ts";

/** An event's outcome; all but `failed` mean "stored, do not send again". */
export type ApplyStatus = "success" | "duplicate" | "stale" | "failed";

/** What {@linkcode createEventStore}'s `apply` did. */
export interface ApplyResult {
  status: ApplyStatus;
  /** On success: created, updated, unchanged, deactivated, or absent (a delete of an unknown resource). */
  change?: "created" | "updated" | "unchanged" | "deactivated" | "absent";
  /** The user's email or the unit's name, for the log line. */
  subject?: string;
  /** Why it failed, when it did. */
  error?: string;
}

/** Options of {@linkcode createEventStore}. */
export interface EventStoreOptions {
  /** SYNC_EXCLUDE_FIELDS: user fields written on insert only. @default [] */
  excludeFields?: readonly string[];
  /** Emails that get `super_admin` when created (case-insensitive). @default [] */
  superAdminEmails?: readonly string[];
  /** Days an event record is kept (`expiresAt`, swept by the runner). @default 90 */
  ttlDays?: number;
  /** @default () => new Date() */
  now?: () => Date;
}

/** What {@linkcode createEventStore} returns. */
export type EventStore = ReturnType<typeof createEventStore>;

const isDuplicate = (e: unknown) => e instanceof MongoServerError && e.code === 11000;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** A "processing" record older than this is a crashed attempt and may be taken over. */
const STUCK_MS = 60_000;
/** Lost races in a row before the event is reported failed (and delivered again). */
const MAX_RACES = 3;

/**
 * Creates the event store over `webhookEvents`, `users` and `orgUnits`.
 *
 * @param db the runner's database
 * @param options excluded fields, super admins, retention, clock
 * @returns `ensureIndexes()`, `apply(event)` and `recent(limit)`
 *
 * @example
 * ```ts
 * const events = createEventStore(db, { superAdminEmails: ["boss@ias.co.id"] });
 * await events.ensureIndexes();
 * await events.apply(forwardedEvent); // { status: "success", change: "updated", subject: "john.doe@ias.co.id" }
 * ```
 */
export function createEventStore(db: Db, options: EventStoreOptions = {}) {
  const events = db.collection<WebhookEventDoc>(WEBHOOK_EVENTS);
  const now = options.now ?? (() => new Date());
  const ttlMs = (options.ttlDays ?? 90) * 86_400_000;
  const queue = createKeyedQueue();
  const writer = createResourceWriter({
    users: db.collection<UserDoc>(USERS),
    units: db.collection<OrgUnitDoc>(ORG_UNITS),
    excludeFields: options.excludeFields ?? [],
    superAdminEmails: (options.superAdminEmails ?? []).map((s) => s.toLowerCase()),
    now,
  });

  /** Records the event as processing; null when another delivery already did (and did not fail). */
  async function claim(e: ForwardedEvent): Promise<unknown> {
    const receivedAt = new Date(e.receivedAt);
    try {
      const r = await events.insertOne({
        eventId: e.eventId,
        event: e.event,
        resourceType: e.resourceType,
        resourceId: e.resourceId,
        action: e.action,
        receivedAt,
        processedAt: null,
        status: "processing",
        error: null,
        expiresAt: new Date(receivedAt.getTime() + ttlMs),
      });
      return r.insertedId;
    } catch (err) {
      if (!isDuplicate(err)) throw err;
      // A failed (or crashed) attempt is retried by the next delivery; anything else is done.
      const retry = await events.findOneAndUpdate(
        {
          eventId: e.eventId,
          $or: [{ status: "failed" }, {
            status: "processing",
            receivedAt: { $lt: new Date(now().getTime() - STUCK_MS) },
          }],
        },
        { $set: { status: "processing", error: null, receivedAt } },
      );
      return retry?._id ?? null;
    }
  }

  async function applyOnce(e: ForwardedEvent): Promise<ApplyResult> {
    for (let i = 0; i < MAX_RACES; i++) {
      const r = e.resourceType === "User" ? await writer.user(e) : await writer.orgUnit(e);
      if (r !== RACED) return r;
    }
    return {
      status: "failed",
      error:
        `${e.resourceType} ${e.resourceId} changed concurrently ${MAX_RACES} times; deliver again`,
    };
  }

  /** Claims the event, applies it, records the outcome. */
  async function claimAndApply(e: ForwardedEvent): Promise<ApplyResult> {
    let claimed: unknown;
    try {
      claimed = await claim(e);
    } catch (err) {
      return { status: "failed", error: message(err) };
    }
    if (claimed === null || claimed === undefined) return { status: "duplicate" };
    let result: ApplyResult;
    try {
      result = await applyOnce(e);
    } catch (err) {
      result = { status: "failed", error: message(err) };
    }
    try {
      // By _id: the one filter every MongoDB-wire server (FerretDB included) answers from its index.
      await events.updateOne({ _id: claimed } as object, {
        $set: { status: result.status, processedAt: now(), error: result.error ?? null },
      });
    } catch (err) {
      // The change is written but its record says "processing": report failed so the event comes
      // again; a redelivery answers duplicate, or after STUCK_MS re-applies and finds it unchanged.
      if (result.status !== "failed") {
        result = { status: "failed", error: `recording the outcome: ${message(err)}` };
      }
    }
    return result;
  }

  return {
    /** Unique `eventId`, `receivedAt` for the page, unique `users.ssoUserId` (idempotent). */
    async ensureIndexes(): Promise<void> {
      await events.createIndex({ eventId: 1 }, { unique: true });
      await events.createIndex({ receivedAt: -1 });
      await db.collection(USERS).createIndex({ ssoUserId: 1 }, { unique: true });
    },
    /**
     * Applies one event exactly once, after any earlier event of the same resource.
     * Never throws: a MongoDB failure is status "failed".
     */
    apply(e: ForwardedEvent): Promise<ApplyResult> {
      return queue.run(`${e.resourceType}:${e.resourceId}`, () => claimAndApply(e));
    },
    /** The latest events, newest first (the status page). */
    recent(limit: number): Promise<WebhookEventDoc[]> {
      return events.find({}).sort({ receivedAt: -1 }).limit(limit).toArray();
    },
  };
}
