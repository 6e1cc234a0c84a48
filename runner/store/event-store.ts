/**
 * `webhookEvents`, persistence only: the record each event gets under its
 * unique `eventId` (the claim that makes applying exactly-once), its outcome,
 * the events held by the deactivation guard, and the latest events for the
 * page. What to do with an event is decided in ingest/apply-event.ts.
 *
 * Taking over an existing record (a failed or stuck event delivered again, a
 * held event an operator applies) is an insert into `webhookEventClaims` under
 * a key naming the state taken over: FerretDB applies no conditional update
 * (`findOneAndUpdate({ status: "held" })`) atomically — 8 rounds in 20 gave the
 * same record to several of 8 callers — so two deliveries or two approvals at
 * once would both apply the event.
 *
 * @module
 */
import { type Collection, type Db, type Filter, ObjectId, type UpdateFilter } from "mongodb";
import { EVENT_ABANDONED, WEBHOOK_EVENTS, type WebhookEventDoc } from "./collections.ts";
import { isDuplicateKey, translateDriverErrors } from "./driver-errors.ts";
import { insertBatch, updateBatch } from "./bulk.ts";
import { groupCommit } from "./group-commit.ts";
import { insertClaim } from "./insert-claim.ts";
import { outcomesOf } from "./statement-outcomes.ts";

/** The record of an event as first claimed (status "processing"); no `expiresAt`: kept for good. */
export type NewEventRecord = Pick<
  WebhookEventDoc,
  "eventId" | "event" | "resourceType" | "resourceId" | "action" | "receivedAt" | "expiresAt"
>;

/** What applying an event did, as recorded. */
export interface EventOutcome {
  status: WebhookEventDoc["status"];
  processedAt: Date;
  error: string | null;
  change: string | null;
  /** A held event as JSON (a ForwardedEvent), so SCIM keys never become field paths. */
  heldEvent?: string;
  /** An operator applied it past the guard: the held copy is dropped and the window does not count it. */
  forced?: boolean;
}

/** Held events: those of `eventIds`, or all. */
const heldOf = (eventIds?: readonly string[]) =>
  eventIds === undefined
    ? { status: "held" as const }
    : { status: "held" as const, eventId: { $in: [...eventIds] } };

/** Marks held events `rejected`; returns how many. */
async function rejectHeld(
  events: Collection<WebhookEventDoc>,
  eventIds: readonly string[],
  at: Date,
): Promise<number> {
  if (eventIds.length === 0) return 0;
  const r = await events.updateMany(
    { status: "held", eventId: { $in: [...eventIds] } },
    { $set: { status: "rejected", processedAt: at } },
  );
  return r.modifiedCount;
}

/**
 * How long after its attempt began a `processing` record is left to that attempt. No live attempt
 * runs this long (one holds its person's queue for at most a minute, apply-event.ts `stallMs`):
 * such a record's runner stopped (killed, crashed, cut off from MongoDB) before recording an
 * outcome, and no delivery has taken it over since.
 */
export const ABANDONED_AFTER_MS = 10 * 60_000;
/**
 * How far back, by `receivedAt`, deliveries left `processing` are looked for: the sweep runs after
 * every sync run, so two days spans any stop of the runner short of two days, and the range is
 * read from the `receivedAt` index rather than by scanning 90 days of events.
 */
const ABANDONED_LOOKBACK_MS = 2 * 86_400_000;

/** What {@linkcode createEventStore}'s `closeAbandoned` changed. */
export interface ClosedAbandoned {
  /** Deliveries left `processing`, now `failed` with `EVENT_ABANDONED` (collections.ts). */
  failed: number;
  /** Held events whose apply by an operator was cut off, `held` again. */
  heldAgain: number;
}

/**
 * Closes records no attempt will finish: a delivery left `processing` becomes `failed` (the
 * state a new delivery takes over at once, and the brief's `find({ status: 'failed' })` shows),
 * an operator's apply of a held event cut off becomes `held` again, listed for the operator as
 * before they pressed. Neither writes a resource; both are idempotent, so replicas may race.
 */
async function closeAbandoned(
  events: Collection<WebhookEventDoc>,
  at: Date,
): Promise<ClosedAbandoned> {
  const cut = new Date(at.getTime() - ABANDONED_AFTER_MS);
  const failed = await events.updateMany(
    {
      status: "processing",
      attemptAt: { $exists: false },
      receivedAt: { $gte: new Date(cut.getTime() - ABANDONED_LOOKBACK_MS), $lt: cut },
    },
    { $set: { status: "failed", processedAt: at, error: EVENT_ABANDONED } },
  );
  // Held anew at `at`: claimHeld keys its claim by when the event was last held, so the
  // operator's next press is a new claim rather than the cut-off one's, already taken.
  // No index serves `attemptAt`; the held list's own query ({ status: "held" }) reads as much.
  const heldAgain = await events.updateMany(
    { status: "processing", attemptAt: { $lt: cut }, heldEvent: { $exists: true } },
    { $set: { status: "held", processedAt: at }, $unset: { attemptAt: "" } },
  );
  return { failed: failed.modifiedCount, heldAgain: heldAgain.modifiedCount };
}

/** Insert-only claims of existing records, `_id` naming the state each took over. */
export const WEBHOOK_EVENT_CLAIMS = "webhookEventClaims";

/** Inserts `key`; false when another caller inserted it first. */
const claimKey = (claims: Collection<{ _id: string; at: Date }>, key: string) =>
  insertClaim(claims, { _id: key, at: new Date() });

/**
 * What claiming an event found: the record is the caller's to apply (new, or taken over),
 * it already has its outcome (a redelivery: duplicate), or another delivery is applying it
 * since `since` (not an outcome: that attempt may still fail, so the caller delivers again).
 */
export type Claim =
  | { kind: "claimed"; id: unknown }
  | { kind: "done" }
  | { kind: "in_flight"; since: Date };

/**
 * Takes over the record of `record.eventId` when its attempt failed or has been processing
 * since before `stuckBefore`: one caller of several at once (the claim key names the state
 * taken over). One that is processing otherwise, or that another caller took, is in flight.
 */
async function takeOver(
  events: Collection<WebhookEventDoc>,
  claims: Collection<{ _id: string; at: Date }>,
  record: NewEventRecord,
  stuckBefore: Date,
  orphanedAt: Date | undefined,
): Promise<Claim> {
  const prior = await events.findOne({ eventId: record.eventId });
  // Gone between the insert and this read (an operator's purge): deliver again, it claims anew.
  if (prior === null) return { kind: "in_flight", since: record.receivedAt };
  // An operator's apply of a held event began at attemptAt; a delivery's at receivedAt.
  const at = (prior.attemptAt ?? prior.receivedAt).getTime();
  if (prior.status === "processing") {
    // The caller's own orphan is taken at once, unless someone has taken the record over since.
    const free = at < stuckBefore.getTime() || at === orphanedAt?.getTime();
    if (!free) return { kind: "in_flight", since: new Date(at) };
  } else if (prior.status !== "failed") return { kind: "done" };
  const key = `retry:${record.eventId}:${prior.status}@${at}`;
  if (!(await claimKey(claims, key))) return { kind: "in_flight", since: record.receivedAt };
  await events.updateOne({ _id: prior._id } as object, {
    $set: { status: "processing", error: null, receivedAt: record.receivedAt },
    $unset: { attemptAt: "" },
  });
  return { kind: "claimed", id: prior._id };
}

/**
 * The claims and outcomes of the events of one forwarded batch: one command each (group-commit.ts).
 * A lone one goes as the single-document command: the driver's bulk path costs more CPU than it
 * saves for one statement, and an idle runner sends nothing else.
 */
function groupedWrites(events: Collection<WebhookEventDoc>) {
  return {
    insertRecord: groupCommit(async (docs: WebhookEventDoc[]) => {
      if (docs.length === 1) {
        const doc = docs[0] as WebhookEventDoc;
        await events.insertOne(doc);
        return [{ ok: true as const, value: doc._id }];
      }
      return outcomesOf(docs.map((d) => d._id), (await insertBatch(events, docs)).refused);
    }),
    setOutcome: groupCommit(async (ops: OutcomeStatement[]) => {
      if (ops.length === 1) {
        const { filter, update } = (ops[0] as OutcomeStatement).updateOne;
        await events.updateOne(filter, update);
        return [{ ok: true as const, value: undefined }];
      }
      return outcomesOf(
        ops.map(() => undefined),
        (await updateBatch(events, ops, ops.length)).refused,
      );
    }),
  };
}

/** An outcome's statement, as `bulkWrite` takes it. */
type OutcomeStatement = {
  updateOne: { filter: Filter<WebhookEventDoc>; update: UpdateFilter<WebhookEventDoc> };
};

/** The statement recording an event's outcome on its record. */
function outcomeStatement(
  id: unknown,
  outcome: EventOutcome,
): OutcomeStatement {
  const { forced, heldEvent, ...fields } = outcome;
  return {
    updateOne: {
      // By _id: the one filter every MongoDB-wire server (FerretDB included) answers from its index.
      filter: { _id: id } as Filter<WebhookEventDoc>,
      update: {
        $set: {
          ...fields,
          ...(heldEvent === undefined ? {} : { heldEvent }),
          ...(forced ? { forced: true } : {}),
        },
        ...(forced ? { $unset: { heldEvent: "" } } : {}),
      },
    },
  };
}

/** What {@linkcode createEventStore} returns. */
export type EventStore = ReturnType<typeof createEventStore>;

/**
 * Creates the event store over `webhookEvents`.
 *
 * @param db the runner's database
 * @returns the claim, outcome, held and recent operations
 *
 * @example
 * ```ts
 * const events = createEventStore(db);
 * await events.ensureIndexes();
 * const claim = await events.claim(record, new Date(Date.now() - 60_000));
 * if (claim.kind === "claimed") {
 *   await events.recordOutcome(claim.id, { status: "success", processedAt: new Date(), error: null, change: "updated" });
 * }
 * ```
 */
export function createEventStore(db: Db) {
  const events = db.collection<WebhookEventDoc>(WEBHOOK_EVENTS);
  const claims = db.collection<{ _id: string; at: Date }>(WEBHOOK_EVENT_CLAIMS);
  const { insertRecord, setOutcome } = groupedWrites(events);
  return translateDriverErrors({
    /** Unique `eventId`, `receivedAt` for the page (idempotent). */
    async ensureIndexes(): Promise<void> {
      await events.createIndex({ eventId: 1 }, { unique: true });
      await events.createIndex({ receivedAt: -1 });
    },
    /**
     * Records the event as processing: `claimed` with the record's id. When a record of
     * `eventId` exists, takes it over only if it failed or has been processing since
     * before `stuckBefore` (a crashed attempt), or at once when it is the caller's own
     * orphan: still processing under `orphanedAt`, the `receivedAt` of the caller's attempt
     * that ended without an outcome recorded. Otherwise `done` (it has its outcome) or
     * `in_flight` (another delivery is applying it).
     */
    async claim(record: NewEventRecord, stuckBefore: Date, orphanedAt?: Date): Promise<Claim> {
      try {
        // The id is made here, not by the driver: the grouped insert answers with it.
        const id = await insertRecord({
          _id: new ObjectId(),
          ...record,
          processedAt: null,
          status: "processing",
          error: null,
        });
        return { kind: "claimed", id };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        return await takeOver(events, claims, record, stuckBefore, orphanedAt);
      }
    },
    /** Records what applying the claimed event did. */
    async recordOutcome(id: unknown, outcome: EventOutcome): Promise<void> {
      await setOutcome(outcomeStatement(id, outcome));
    },
    /** Held events with their stored event, oldest first (to apply them): those of `eventIds`, or all. */
    heldToApply: (eventIds?: readonly string[]): Promise<WebhookEventDoc[]> =>
      events.find(heldOf(eventIds)).sort({ receivedAt: 1 }).toArray(),
    /** Marks held events `rejected` (an operator kept the person); returns how many. */
    rejectHeld: (eventIds: readonly string[], at: Date): Promise<number> =>
      rejectHeld(events, eventIds, at),
    /** Held events without their stored event, oldest first (the page and `npm run sync`). */
    held(limit: number): Promise<WebhookEventDoc[]> {
      return events.find({ status: "held" }, { projection: { heldEvent: 0 } }).sort({
        receivedAt: 1,
      }).limit(limit)
        .toArray();
    },
    /**
     * Takes a held event for applying at `at`; false when another caller took it first. The
     * record says when this attempt began, so a redelivery meanwhile finds it in flight rather
     * than stuck since the event first came (which may be days ago).
     */
    async claimHeld(id: unknown, at: Date): Promise<boolean> {
      const held = await events.findOne({ _id: id, status: "held" } as object);
      if (held === null) return false;
      // Keyed by when it was (last) held: an event held again later is a new state to take.
      const since = (held.processedAt ?? held.receivedAt).getTime();
      if (!(await claimKey(claims, `held:${String(id)}@${since}`))) return false;
      await events.updateOne({ _id: id } as object, {
        $set: { status: "processing", attemptAt: at },
      });
      return true;
    },
    /** Marks a record failed with `error` (a held event that cannot be read back). */
    async markFailed(id: unknown, error: string): Promise<void> {
      await events.updateOne({ _id: id } as object, { $set: { status: "failed", error } });
    },
    /** Closes records with no outcome {@linkcode ABANDONED_AFTER_MS} after their attempt began. */
    closeAbandoned: (at: Date): Promise<ClosedAbandoned> => closeAbandoned(events, at),
    /** The latest events, newest first (the status page). */
    recent(limit: number): Promise<WebhookEventDoc[]> {
      return events.find({}).sort({ receivedAt: -1 }).limit(limit).toArray();
    },
  });
}
