/**
 * Applying webhook events exactly once. Each event is first recorded in
 * `webhookEvents` under a unique `eventId`: a second delivery hits the unique
 * index and changes nothing. An event older than what is stored (by the SCIM
 * resource's `meta.lastModified`, or the event time for deletes) is `stale`.
 * Writes keep the sync's content hash, so the next full sync does not rewrite.
 *
 * @module
 */
import { type Db, MongoServerError } from "mongodb";
import type { ForwardedEvent } from "../../shared/webhook-event.ts";
import { contentHash, orgUnitHashFields, userHashFields } from "../content-hash.ts";
import { ORG_UNITS, type OrgUnitDoc, type UserDoc, USERS, WEBHOOK_EVENTS, type WebhookEventDoc } from "./collections.ts";
import { defaultRole } from "./sync-store.ts";

export type ApplyStatus = "success" | "duplicate" | "stale" | "failed";
export interface ApplyResult {
  status: ApplyStatus;
  /** What changed: created, updated, unchanged, deactivated, absent. */
  change?: string;
  error?: string;
}

export interface EventStoreOptions {
  excludeFields?: readonly string[];
  superAdminEmails?: readonly string[];
  /** Days an event record is kept. @default 90 */
  ttlDays?: number;
  now?: () => Date;
}

export type EventStore = ReturnType<typeof createEventStore>;

const isDuplicate = (e: unknown) => e instanceof MongoServerError && e.code === 11000;
const date = (iso: string | null) => (iso ? new Date(iso) : null);
/** A "processing" record older than this is a crashed attempt and may be taken over. */
const STUCK_MS = 60_000;

/**
 * Creates the event store.
 *
 * @example
 * ```ts
 * const events = createEventStore(db, { excludeFields: [] });
 * await events.ensureIndexes();
 * const r = await events.apply(forwardedEvent); // { status: "success", change: "updated" }
 * ```
 */
export function createEventStore(db: Db, options: EventStoreOptions = {}) {
  const events = db.collection<WebhookEventDoc>(WEBHOOK_EVENTS);
  const users = db.collection<UserDoc>(USERS);
  const units = db.collection<OrgUnitDoc>(ORG_UNITS);
  const now = options.now ?? (() => new Date());
  const exclude = options.excludeFields ?? [];
  const hashFields = userHashFields(exclude);
  const ttlMs = (options.ttlDays ?? 90) * 86_400_000;

  /** Records the event; null when another delivery already did (and did not fail), else its _id. */
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
          $or: [{ status: "failed" }, { status: "processing", receivedAt: { $lt: new Date(now().getTime() - STUCK_MS) } }],
        },
        { $set: { status: "processing", error: null, receivedAt } },
      );
      return retry?._id ?? null;
    }
  }

  async function applyUser(e: ForwardedEvent): Promise<ApplyResult> {
    const at = now();
    const old = await users.findOne({ ssoUserId: e.resourceId }, { projection: { _id: 1, scimLastModified: 1, syncHash: 1, isActive: 1 } });
    if (e.action === "delete") {
      if (!old) return { status: "success", change: "absent" };
      if (isStale(old.scimLastModified, date(e.occurredAt))) return { status: "stale" };
      if (!old.isActive) return { status: "success", change: "unchanged" };
      await users.updateOne({ _id: old._id }, { $set: { isActive: false, deactivatedAt: at, updatedAt: at, syncHash: "", syncSource: "webhook" } });
      return { status: "success", change: "deactivated" };
    }
    const u = e.user;
    if (!u) return { status: "failed", error: "event carries no user" };
    if (old && isStale(old.scimLastModified, date(u.scimLastModified))) return { status: "stale" };
    const hash = contentHash(u, hashFields);
    if (old && old.syncHash === hash) return { status: "success", change: "unchanged" };
    const set: Record<string, unknown> = { ssoUserId: u.ssoUserId, isActive: u.isActive };
    const onInsert: Record<string, unknown> = { role: defaultRole(u.email, options.superAdminEmails ?? []), createdAt: at };
    for (const f of hashFields) set[f] = u[f as keyof typeof u];
    for (const f of exclude) onInsert[f] = u[f as keyof typeof u];
    Object.assign(set, {
      scimLastModified: date(u.scimLastModified),
      syncHash: hash,
      updatedAt: at,
      syncSource: "webhook",
      deactivatedAt: u.isActive ? null : at,
    });
    await users.updateOne(old ? { _id: old._id } : { ssoUserId: u.ssoUserId }, { $set: set, $setOnInsert: onInsert }, { upsert: true });
    return { status: "success", change: old ? (u.isActive || !old.isActive ? "updated" : "deactivated") : "created" };
  }

  async function applyGroup(e: ForwardedEvent): Promise<ApplyResult> {
    const at = now();
    const old = await units.findOne({ _id: e.resourceId } as object, { projection: { scimLastModified: 1, syncHash: 1, isActive: 1 } });
    if (e.action === "delete") {
      if (!old) return { status: "success", change: "absent" };
      if (isStale(old.scimLastModified, date(e.occurredAt))) return { status: "stale" };
      await units.updateOne({ _id: e.resourceId } as object, { $set: { isActive: false, deactivatedAt: at, updatedAt: at, syncHash: "", syncSource: "webhook" } });
      return { status: "success", change: "deactivated" };
    }
    const g = e.orgUnit;
    if (!g) return { status: "failed", error: "event carries no org unit" };
    if (old && isStale(old.scimLastModified, date(g.scimLastModified))) return { status: "stale" };
    const hash = contentHash(g, orgUnitHashFields);
    if (old && old.syncHash === hash) return { status: "success", change: "unchanged" };
    const { _id, scimLastModified, ...fields } = g;
    await units.updateOne({ _id } as object, {
      $set: { ...fields, scimLastModified: date(scimLastModified), syncHash: hash, updatedAt: at, syncSource: "webhook", deactivatedAt: null },
      $setOnInsert: { createdAt: at },
    }, { upsert: true });
    return { status: "success", change: old ? "updated" : "created" };
  }

  return {
    async ensureIndexes(): Promise<void> {
      await events.createIndex({ eventId: 1 }, { unique: true });
      await events.createIndex({ receivedAt: -1 });
      await users.createIndex({ ssoUserId: 1 }, { unique: true });
    },
    /** Applies one event exactly once. Never throws for a write failure: status "failed". */
    async apply(e: ForwardedEvent): Promise<ApplyResult> {
      let claimed: unknown;
      try {
        claimed = await claim(e);
      } catch (err) {
        return { status: "failed", error: err instanceof Error ? err.message : String(err) };
      }
      if (claimed === null || claimed === undefined) return { status: "duplicate" };
      let result: ApplyResult;
      try {
        result = e.resourceType === "User" ? await applyUser(e) : await applyGroup(e);
      } catch (err) {
        result = { status: "failed", error: err instanceof Error ? err.message : String(err) };
      }
      // By _id: the one filter every MongoDB-wire server (FerretDB included) answers from its index.
      await events.updateOne({ _id: claimed } as object, {
        $set: { status: result.status, processedAt: now(), error: result.error ?? null },
      }).catch(() => {});
      return result;
    },
    recent(limit: number): Promise<WebhookEventDoc[]> {
      return events.find({}).sort({ receivedAt: -1 }).limit(limit).toArray();
    },
  };
}

/** An event is stale when the stored resource is strictly newer. */
function isStale(stored: Date | null | undefined, incoming: Date | null): boolean {
  return stored instanceof Date && incoming !== null && incoming.getTime() < stored.getTime();
}
