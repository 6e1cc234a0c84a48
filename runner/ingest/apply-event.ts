/**
 * Applying webhook events exactly once: claim → decide → write → record.
 * Each event is first recorded in `webhookEvents` under a unique `eventId`:
 * a second delivery finds the record and changes nothing, unless the first
 * attempt failed (then it is retried). An event older than what is stored
 * (the resource's `meta.lastModified`, or the event time for deletes) is
 * `stale` (resource-writer.ts decides).
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
import {
  type ForwardedEvent,
  ForwardedEvent as ForwardedEventSchema,
} from "../../shared/webhook-event.ts";
import type { WebhookEventDoc } from "../store/collections.ts";
import type { Claim, EventStore, NewEventRecord } from "../store/event-store.ts";
import type { ResourceStore } from "../store/resource-store.ts";
import type { DeactivationGate, GateTicket } from "../gate/gate.ts";
import type { OneIdentity } from "../identity/one-write.ts";
import { heldState, holdEvent, settleByEvent, type WebhookHeldPort } from "./held-events.ts";
import { createKeyedQueue } from "./keyed-queue.ts";
import type { ChangeRecord } from "../documents/change-record.ts";
import { groupCommit } from "../store/group-commit.ts";
import {
  type ApplyResult,
  createResourceWriter,
  type MayDeactivate,
  type Prefetched,
  RACED,
  type ResourceWriterDeps,
  type Written,
} from "./resource-writer.ts";

export type { ApplyResult, ApplyStatus } from "./resource-writer.ts";

/** The stores the applier works on (store/webhook-stores.ts builds them over one database). */
export interface WebhookStores {
  events: EventStore;
  resources: ResourceStore;
}

/** Options of {@linkcode createEventApplier}. */
export interface EventApplierOptions {
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
  /**
   * The one deactivation gate (gate/gate.ts): each deactivation takes a reservation first;
   * absent, every deactivation is applied.
   */
  gate?: DeactivationGate;
  /** Matching on first contact and values moving between people; absent, users are inserted. */
  identity?: OneIdentity;
  /** Where applied changes are recorded (`syncChanges`); absent, none are. */
  changes?: ResourceWriterDeps["changes"];
  /**
   * Held deactivations (`heldDeactivations`): a refused event becomes the person's held
   * item, and a person already held or rejected is left to the operator. Absent: events
   * are held in `webhookEvents` only.
   */
  held?: WebhookHeldPort;
  /**
   * How long one event's attempt may hold its person's queue (keyed-queue.ts `stallMs`): past
   * it, the delivery is answered failed (deliver again) and the person's later events go on.
   * @default 60000
   */
  stallMs?: number;
}

/** One held event an operator applied, and what applying it did. */
export interface AppliedHeld {
  eventId: string;
  resourceType: string;
  resourceId: string;
  result: ApplyResult;
}

/** What {@linkcode createEventApplier} returns. */
export type EventApplier = ReturnType<typeof createEventApplier>;

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
export const CALLER_GONE =
  "the sender went away before the event was applied; it will be delivered again";
/** Why a delivery of an event another delivery is applying was not applied; it is sent again. */
const inFlight = (e: ForwardedEvent, since: Date) =>
  `event ${e.eventId} is being applied by another delivery (since ${since.toISOString()}); ` +
  `deliver again: it is answered once that attempt ends, or taken over after ${STUCK_MS / 1000} s`;
/** Lost races in a row before the event is reported failed (and delivered again). */
const MAX_RACES = 3;
const queueKey = (e: ForwardedEvent) => `${e.resourceType}:${e.resourceId}`;

/**
 * The `webhookEvents` record an event is claimed with.
 *
 * A replay of a versionless delete after its record expired would deactivate a user
 * reactivated since: such records never expire (deletes are few; the signed body's id
 * or signature is its eventId, so a replay is always this record's duplicate).
 *
 * @example
 * ```ts
 * eventRecord(event, 90 * 86_400_000).expiresAt; // receivedAt + 90 days
 * ```
 */
export function eventRecord(e: ForwardedEvent, ttlMs: number): NewEventRecord {
  const receivedAt = new Date(e.receivedAt);
  const keep = e.action === "delete" && e.occurredAt === null;
  return {
    eventId: e.eventId,
    event: e.event,
    resourceType: e.resourceType,
    resourceId: e.resourceId,
    action: e.action,
    receivedAt,
    ...(keep ? {} : { expiresAt: new Date(receivedAt.getTime() + ttlMs) }),
  };
}

/**
 * Creates the event applier over the webhook stores.
 *
 * @param stores `webhookEvents`, the resources, the guard's window count
 * @param options excluded fields, super admins, retention, clock, guard
 * @returns `ensureIndexes()`, `apply(event)`, `applyHeld()`, `held(limit)` and `recent(limit)`
 *
 * @example
 * ```ts
 * const events = createEventApplier(createWebhookStores(db), { superAdminEmails: ["boss@ias.co.id"] });
 * await events.ensureIndexes();
 * await events.apply(forwardedEvent); // { status: "success", change: "updated", subject: "john.doe@ias.co.id" }
 * ```
 */
export function createEventApplier(stores: WebhookStores, options: EventApplierOptions = {}) {
  const { events, resources } = stores;
  const now = options.now ?? (() => new Date());
  const ctx: ApplierCtx = {
    events,
    changes: options.changes ? groupedChanges(options.changes) : null,
    now,
    ttlMs: (options.ttlDays ?? 90) * 86_400_000,
    queue: createKeyedQueue({ stallMs: options.stallMs ?? 60_000 }),
    orphans: createOrphanSet(),
    gate: options.gate ?? null,
    held: options.held ?? null,
    writer: createResourceWriter({
      resources,
      excludeFields: options.excludeFields ?? [],
      superAdminEmails: options.superAdminEmails ?? [],
      futureToleranceMs: options.futureToleranceMs ?? 300_000,
      now,
      ...(options.changes ? { changes: options.changes } : {}),
      ...(options.identity ? { identity: options.identity } : {}),
    }),
  };
  return {
    /**
     * Applies held events, oldest first, past the guard (an operator asked): those of
     * `eventIds`, or every one without. Events no longer held are left alone.
     */
    async applyHeld(eventIds?: readonly string[]): Promise<AppliedHeld[]> {
      const out: AppliedHeld[] = [];
      for (const doc of await events.heldToApply(eventIds)) out.push(await applyOneHeld(ctx, doc));
      return out;
    },
    /** Marks held events rejected (an operator kept the person): never applied, a redelivery is a duplicate. */
    rejectHeld: (eventIds: readonly string[]): Promise<number> =>
      events.rejectHeld(eventIds, now()),
    /** Held events, oldest first (the page and `npm run sync`). */
    held: (limit: number): Promise<WebhookEventDoc[]> => events.held(limit),
    /** The indexes of `webhookEvents` and the unique `users.ssoUserId` (idempotent). */
    async ensureIndexes(): Promise<void> {
      await events.ensureIndexes();
      await resources.ensureIndexes();
    },
    /**
     * Applies one event exactly once, after any earlier event of the same resource.
     * Never throws: a MongoDB failure is status "failed". When `signal` (the caller's
     * request) has aborted by the event's turn, nothing is written: status "failed".
     */
    apply(e: ForwardedEvent, signal?: AbortSignal): Promise<ApplyResult> {
      return ctx.queue.run(
        queueKey(e),
        (): Promise<ApplyResult> =>
          signal?.aborted
            ? Promise.resolve({ status: "failed", error: CALLER_GONE })
            : claimAndApply(ctx, e),
      ).catch((err: unknown): ApplyResult => {
        // Only a stall rejects (claimAndApply never throws): that attempt may hold the record
        // "processing" under this delivery's receivedAt, so the next delivery takes it over.
        ctx.orphans.add(e.eventId, new Date(e.receivedAt));
        return { status: "failed", error: message(err) };
      });
    },
    /** The latest events, newest first (the status page). */
    recent: (limit: number): Promise<WebhookEventDoc[]> => events.recent(limit),
  };
}

/**
 * The change log as the applier writes it: the records of one turn's events (one forwarded
 * batch) in one insert. A failed insert fails each of those events, as its own would have.
 */
function groupedChanges(changes: NonNullable<ResourceWriterDeps["changes"]>) {
  const recordOne = groupCommit(async (records: ChangeRecord[]) => {
    await changes.record(records);
    return records.map(() => ({ ok: true as const, value: undefined }));
  });
  return {
    record: async (records: readonly ChangeRecord[]): Promise<void> => {
      await Promise.all(records.map(recordOne));
    },
  };
}

/** Most orphans remembered; past it the oldest wait STUCK_MS like another process's. */
const MAX_ORPHANS = 10_000;

/** Event id → the `receivedAt` its orphaned record holds; bounded, oldest forgotten first. */
function createOrphanSet() {
  const ids = new Map<string, Date>();
  return {
    get: (id: string) => ids.get(id),
    add(id: string, receivedAt: Date) {
      ids.delete(id);
      ids.set(id, receivedAt);
      if (ids.size > MAX_ORPHANS) ids.delete(ids.keys().next().value as string);
    },
    delete: (id: string) => void ids.delete(id),
  };
}

/** What the steps of applying share. */
interface ApplierCtx {
  events: EventStore;
  changes: ResourceWriterDeps["changes"] | null;
  writer: ReturnType<typeof createResourceWriter>;
  gate: DeactivationGate | null;
  held: WebhookHeldPort | null;
  queue: ReturnType<typeof createKeyedQueue>;
  /**
   * Events whose attempt here failed: their record may still say "processing" (its outcome
   * could not be written), and a redelivery takes it over at once instead of answering
   * duplicate until STUCK_MS. The keyed queue makes that safe: this process's own earlier
   * attempt of the event has settled before the next one claims.
   */
  orphans: ReturnType<typeof createOrphanSet>;
  now: () => Date;
  ttlMs: number;
}

/** Decides and writes, deciding again (on a fresh read) after a lost race. */
async function decideAndWrite(
  ctx: ApplierCtx,
  e: ForwardedEvent,
  may?: MayDeactivate,
  forced = false,
  prefetched?: Prefetched,
): Promise<Written> {
  // An operator applying a held event is the change's source, named by the event.
  const origin = { kind: forced ? "held_event" : "webhook", eventId: e.eventId } as const;
  for (let i = 0; i < MAX_RACES; i++) {
    const read = i === 0 ? prefetched : undefined;
    const r = e.resourceType === "User"
      ? await ctx.writer.user(e, may, origin, read)
      : await ctx.writer.orgUnit(e, may, origin, read);
    if (r !== RACED) return r;
  }
  return {
    status: "failed",
    error:
      `${e.resourceType} ${e.resourceId} changed concurrently ${MAX_RACES} times; deliver again`,
  };
}

/**
 * Claims the event, applies it, records the outcome. The resource is read while the claim
 * is in flight (one round trip instead of two): the write is conditional on the version
 * read, so a change landing between the read and the write is a lost race, read again.
 */
async function claimAndApply(ctx: ApplierCtx, e: ForwardedEvent): Promise<ApplyResult> {
  const read = ctx.writer.read(e);
  read.catch(() => {}); // awaited below unless the claim fails or finds a duplicate
  let claim: Claim;
  try {
    claim = await ctx.events.claim(
      eventRecord(e, ctx.ttlMs),
      new Date(ctx.now().getTime() - STUCK_MS),
      ctx.orphans.get(e.eventId),
    );
  } catch (err) {
    // No answer is not "not inserted": a record may be there, processing, with no one on it.
    ctx.orphans.add(e.eventId, new Date(e.receivedAt));
    return { status: "failed", error: message(err) };
  }
  if (claim.kind === "done") return { status: "duplicate" };
  // Not a duplicate: that attempt may yet fail (or be a crashed runner's), and a 200 would end
  // the SSO's retries with nothing applied. Failed is sent again; by then it is done or free.
  if (claim.kind === "in_flight") return { status: "failed", error: inFlight(e, claim.since) };
  ctx.orphans.delete(e.eventId);
  const result = await applyAndRecord(ctx, claim.id, e, false, read);
  // The record was claimed (or taken over) under this delivery's receivedAt.
  if (result.status === "failed") ctx.orphans.add(e.eventId, new Date(e.receivedAt));
  return result;
}

/** Applies a claimed event and records the outcome; `forced`: an operator passed the guard. */
async function applyAndRecord(
  ctx: ApplierCtx,
  claimed: unknown,
  e: ForwardedEvent,
  forced: boolean,
  prefetched?: Prefetched,
): Promise<ApplyResult> {
  const gate = ctx.gate;
  // One reservation per event, asked once even when a lost race makes the writer decide again.
  let ticket: Promise<GateTicket | { granted: false }> | null = null;
  // Read once, in `may`: whether the person waits for an operator, and has a held item.
  const seen: { item: { waits: boolean; held: boolean } | null } = { item: null };
  const may: MayDeactivate = async () => {
    // A person an operator rejected waits for them, whatever the gate would say.
    if (!forced && ctx.held) seen.item ??= await heldState(ctx.held, e);
    if (seen.item?.waits) return false;
    if (!gate) return true;
    ticket ??= gate.reserve({
      kind: e.resourceType === "User" ? "users" : "orgUnits",
      n: 1,
      by: `${forced ? "held_event" : "webhook"}:${e.eventId}`,
      forced,
    });
    return (await ticket).granted;
  };
  let result: ApplyResult;
  let journal: Written["journal"];
  try {
    ({ journal, ...result } = await decideAndWrite(ctx, e, may, forced, prefetched));
  } catch (err) {
    result = { status: "failed", error: message(err) };
  }
  if (result.status === "held" && ctx.held) {
    result = await holdEvent(ctx.held, e, result, ctx.now());
  }
  if (seen.item?.held && result.change === "deactivated") {
    // The person's held item is settled; a failure leaves it for the operator's decision.
    await settleByEvent(ctx.held!, e, ctx.now()).catch(() => {});
  }
  try {
    result = await recordBoth(ctx, claimed, e, forced, result, journal);
  } finally {
    // Settled with what was written: a deactivation MongoDB acknowledged counts, else nothing.
    const t = ticket
      ? await (ticket as Promise<GateTicket | { granted: false }>).catch(() => null)
      : null;
    if (t && t.granted) {
      await (t as GateTicket).settle(result.change === "deactivated" ? 1 : 0).catch(() => {});
    }
  }
  return result;
}

/**
 * Writes the event's outcome and the change-log record side by side (one round trip's
 * time, not two). Either failing reports the event failed so it is delivered again: the
 * outcome's own record then still says "processing" (a redelivery answers duplicate, or
 * after STUCK_MS re-applies and finds it unchanged); a lost change record turns the
 * recorded outcome back to "failed", as when the two were written one after the other.
 */
async function recordBoth(
  ctx: ApplierCtx,
  claimed: unknown,
  e: ForwardedEvent,
  forced: boolean,
  result: ApplyResult,
  journal: Written["journal"],
): Promise<ApplyResult> {
  const [outcome, change] = await Promise.allSettled([
    ctx.events.recordOutcome(claimed, {
      status: result.status,
      processedAt: ctx.now(),
      error: result.error ?? null,
      change: result.change ?? null,
      // The event as JSON, so SCIM keys never become field paths; applied by applyHeld.
      ...(result.status === "held" ? { heldEvent: JSON.stringify(e) } : {}),
      forced,
    }),
    journal && ctx.changes ? ctx.changes.record([journal]) : Promise.resolve(),
  ]);
  if (result.status === "failed") return result;
  if (outcome.status === "rejected") {
    return { status: "failed", error: `recording the outcome: ${message(outcome.reason)}` };
  }
  if (change.status === "rejected") {
    const error = `recording the change: ${message(change.reason)}`;
    await ctx.events.markFailed(claimed, error).catch(() => {});
    return { status: "failed", error };
  }
  return result;
}

/** Applies one held event past the guard, unless another operator's press took it first. */
async function applyOneHeld(ctx: ApplierCtx, doc: WebhookEventDoc): Promise<AppliedHeld> {
  const base = { eventId: doc.eventId, resourceType: doc.resourceType, resourceId: doc.resourceId };
  const parsed = ForwardedEventSchema.safeParse(safeJson(doc.heldEvent));
  if (!parsed.success) {
    await ctx.events.markFailed(doc._id, "held event unreadable");
    return { ...base, result: { status: "failed", error: "held event unreadable" } };
  }
  const e = parsed.data;
  const result = await ctx.queue.run(queueKey(e), async (): Promise<ApplyResult> =>
    // Claimed by status, so two operators pressing at once apply it once.
    (await ctx.events.claimHeld(doc._id, ctx.now()))
      ? await applyAndRecord(ctx, doc._id, e, true)
      : { status: "duplicate" });
  return { ...base, result };
}
