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
import { createResourceWriter, type MayDeactivate, RACED } from "./event-writes.ts";
import { createKeyedQueue } from "./keyed-queue.ts";
import { createDeactivationGate, type DeactivationGuardOptions } from "./deactivation-gate.ts";
import { ForwardedEvent as ForwardedEventSchema } from "../../shared/webhook-event.ts";

/**
 * An event's outcome; all but `failed` mean "stored, do not send again".
 * `held`: it would deactivate past SYNC_MAX_DEACTIVATE over SYNC_GUARD_WINDOW;
 * stored, not applied, until an operator applies it ({@linkcode createEventStore}'s `applyHeld`).
 */
export type ApplyStatus = "success" | "duplicate" | "stale" | "failed" | "held";

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
  /** Emails that get `super_admin` when created (ASCII case only; see super-admins.ts). @default [] */
  superAdminEmails?: readonly string[];
  /**
   * Days an event record is kept (`expiresAt`, swept by the runner). A delete without a
   * timestamp is kept for good: nothing else tells its replay from a new delete. @default 90
   */
  ttlDays?: number;
  /**
   * How far past now a resource's `meta.lastModified` may lie (WEBHOOK_TOLERANCE_SECONDS);
   * a later one is taken as the time of applying, so it cannot freeze the resource. @default 300000
   */
  futureToleranceMs?: number;
  /** @default () => new Date() */
  now?: () => Date;
  /** The accidental-deletion guard over a window; absent, every deactivation is applied. */
  guard?: DeactivationGuardOptions;
}

/** One held event an operator applied, and what applying it did. */
export interface AppliedHeld {
  eventId: string;
  resourceType: string;
  resourceId: string;
  result: ApplyResult;
}

/** What {@linkcode createEventStore} returns. */
export type EventStore = ReturnType<typeof createEventStore>;

const isDuplicate = (e: unknown) => e instanceof MongoServerError && e.code === 11000;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const safeJson = (text: unknown): unknown => {
  try {
    return typeof text === "string" ? JSON.parse(text) : null;
  } catch {
    return null;
  }
};
/** A "processing" record older than this is a crashed attempt and may be taken over. */
const STUCK_MS = 60_000;
/** Why an event whose caller went away was not applied; it is delivered again. */
export const CALLER_GONE = "the sender went away before the event was applied; it will be delivered again";
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
  const gate = options.guard ? createDeactivationGate(db, options.guard, now) : null;
  const writer = createResourceWriter({
    users: db.collection<UserDoc>(USERS),
    units: db.collection<OrgUnitDoc>(ORG_UNITS),
    excludeFields: options.excludeFields ?? [],
    superAdminEmails: options.superAdminEmails ?? [],
    futureToleranceMs: options.futureToleranceMs ?? 300_000,
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
        // A replay of a versionless delete after its record expired would deactivate a user
        // reactivated since: such records never expire (deletes are few; the signed body's id
        // or signature is its eventId, so a replay is always this record's duplicate).
        ...(e.action === "delete" && e.occurredAt === null
          ? {}
          : { expiresAt: new Date(receivedAt.getTime() + ttlMs) }),
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

  async function applyOnce(e: ForwardedEvent, may?: MayDeactivate): Promise<ApplyResult> {
    for (let i = 0; i < MAX_RACES; i++) {
      const r = e.resourceType === "User" ? await writer.user(e, may) : await writer.orgUnit(e, may);
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
    return await applyAndRecord(claimed, e, false);
  }

  /** Applies a claimed event and records the outcome; `forced`: an operator passed the guard. */
  async function applyAndRecord(claimed: unknown, e: ForwardedEvent, forced: boolean): Promise<ApplyResult> {
    // One grant per event, asked once even when a lost race makes the writer decide again.
    let granted: boolean | null = forced || !gate ? true : null;
    const may: MayDeactivate = async () => (granted ??= await gate!.reserve(e.resourceType));
    let result: ApplyResult;
    try {
      result = await applyOnce(e, may);
    } catch (err) {
      result = { status: "failed", error: message(err) };
    }
    try {
      // By _id: the one filter every MongoDB-wire server (FerretDB included) answers from its index.
      await events.updateOne({ _id: claimed } as object, {
        $set: {
          status: result.status,
          processedAt: now(),
          error: result.error ?? null,
          change: result.change ?? null,
          // The event as JSON, so SCIM keys never become field paths; applied by applyHeld.
          ...(result.status === "held" ? { heldEvent: JSON.stringify(e) } : {}),
          ...(forced ? { forced: true } : {}),
        },
        ...(forced ? { $unset: { heldEvent: "" } } : {}),
      });
    } catch (err) {
      // The change is written but its record says "processing": report failed so the event comes
      // again; a redelivery answers duplicate, or after STUCK_MS re-applies and finds it unchanged.
      if (result.status !== "failed") {
        result = { status: "failed", error: `recording the outcome: ${message(err)}` };
      }
    } finally {
      if (gate && granted === true && !forced) gate.release(e.resourceType);
    }
    return result;
  }

  /** Applies every held event, oldest first, past the guard (an operator asked). */
  async function applyHeld(): Promise<AppliedHeld[]> {
    const held = await events.find({ status: "held" }).sort({ receivedAt: 1 }).toArray();
    const out: AppliedHeld[] = [];
    for (const doc of held) {
      const parsed = ForwardedEventSchema.safeParse(safeJson(doc.heldEvent));
      const base = { eventId: doc.eventId, resourceType: doc.resourceType, resourceId: doc.resourceId };
      if (!parsed.success) {
        await events.updateOne({ _id: doc._id }, { $set: { status: "failed", error: "held event unreadable" } });
        out.push({ ...base, result: { status: "failed", error: "held event unreadable" } });
        continue;
      }
      const e = parsed.data;
      const result = await queue.run(`${e.resourceType}:${e.resourceId}`, async (): Promise<ApplyResult> => {
        // Claimed by status, so two operators pressing at once apply it once.
        const claimed = await events.findOneAndUpdate({ _id: doc._id, status: "held" }, { $set: { status: "processing" } });
        return claimed ? await applyAndRecord(doc._id, e, true) : { status: "duplicate" };
      });
      out.push({ ...base, result });
    }
    return out;
  }

  return {
    applyHeld,
    /** Held events, oldest first (the page and `npm run sync`). */
    held(limit: number): Promise<WebhookEventDoc[]> {
      return events.find({ status: "held" }, { projection: { heldEvent: 0 } }).sort({ receivedAt: 1 }).limit(limit)
        .toArray();
    },
    /** Unique `eventId`, `receivedAt` for the page, unique `users.ssoUserId` (idempotent). */
    async ensureIndexes(): Promise<void> {
      await events.createIndex({ eventId: 1 }, { unique: true });
      await events.createIndex({ receivedAt: -1 });
      await db.collection(USERS).createIndex({ ssoUserId: 1 }, { unique: true });
    },
    /**
     * Applies one event exactly once, after any earlier event of the same resource.
     * Never throws: a MongoDB failure is status "failed". When `signal` (the caller's
     * request) has aborted by the event's turn, nothing is written: status "failed".
     */
    apply(e: ForwardedEvent, signal?: AbortSignal): Promise<ApplyResult> {
      return queue.run(`${e.resourceType}:${e.resourceId}`, () =>
        signal?.aborted ? Promise.resolve({ status: "failed", error: CALLER_GONE }) : claimAndApply(e));
    },
    /** The latest events, newest first (the status page). */
    recent(limit: number): Promise<WebhookEventDoc[]> {
      return events.find({}).sort({ receivedAt: -1 }).limit(limit).toArray();
    },
  };
}
