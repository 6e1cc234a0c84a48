/**
 * The writes of one webhook event into `users` or `orgUnits`, shared by both
 * resource types: read the stored version, decide (stale, unchanged, insert,
 * update, soft delete), then write conditionally on that version. A write
 * that finds the version changed (or an insert that finds the key taken)
 * returns {@linkcode RACED} and the caller decides again.
 *
 * @module
 */
import { type Collection, type Document, MongoServerError, type ObjectId } from "mongodb";
import type { OfmOrgUnit, OfmUser } from "../../shared/ofm-documents.ts";
import type { ForwardedEvent } from "../../shared/webhook-event.ts";
import { contentHash, orgUnitHashFields, userHashFields } from "../content-hash.ts";
import type { OrgUnitDoc, UserDoc } from "./collections.ts";
import type { ApplyResult } from "./event-store.ts";
import { scimDate } from "./scim-date.ts";
import { defaultRole } from "./sync-store.ts";

/** Lost a race with another writer: read again and decide again. */
export const RACED = Symbol("raced");
/** A decision made and written, or a lost race. */
export type WriteOutcome = ApplyResult | typeof RACED;
/**
 * Asked right before a write that would deactivate: false holds the event
 * (nothing written, status `held`). Absent: every deactivation goes ahead.
 */
export type MayDeactivate = () => Promise<boolean>;

/** Dependencies of {@linkcode createResourceWriter}. */
export interface ResourceWriterDeps {
  users: Collection<UserDoc>;
  units: Collection<OrgUnitDoc>;
  excludeFields: readonly string[];
  superAdminEmails: readonly string[];
  /** A version later than now + this is taken as now (see {@linkcode boundedVersion}). */
  futureToleranceMs: number;
  now: () => Date;
}

/** The stored fields a decision needs. */
interface Stored {
  _id: ObjectId | string;
  scimLastModified?: Date | null;
  syncHash?: string;
  isActive?: boolean;
  deactivatedAt?: Date | null;
  subject?: string;
}

/** One event's target, whatever the resource type. */
interface Target {
  coll: Collection<Document>;
  /** How the resource is found: `{ ssoUserId }` or `{ _id }`. */
  key: Document;
  /**
   * Key → _id of resources seen before. A read by _id is the lookup every server answers
   * from an index (FerretDB 1.24 answers `{ ssoUserId }` ten times slower).
   */
  ids?: IdCache;
  subjectField: "email" | "unitName";
  /** The mapped document; null for a delete. */
  doc: Readonly<Record<string, unknown>> | null;
  /** Fields written on update, in hash order. */
  fields: readonly string[];
  /** Fields only a new document gets besides the mapped ones (a user's role). */
  onInsert?: () => Document;
}

const time = (d: Date | null | undefined) => (d instanceof Date ? d.getTime() : null);
/** The incoming version is strictly older than the stored one. */
const isStale = (stored: Date | null | undefined, incoming: Date | null) =>
  time(stored) !== null && incoming !== null && incoming.getTime() < (time(stored) as number);
const isNewer = (incoming: Date | null, stored: Date | null | undefined) =>
  incoming !== null && (time(stored) === null || incoming.getTime() > (time(stored) as number));

/**
 * An incoming version, bounded: one later than `now + toleranceMs` (a directory clock gone
 * wrong, or year 9999) is taken as `now`, so it cannot make every later event `stale`.
 *
 * @example
 * ```ts
 * boundedVersion(new Date("9999-12-31T00:00:00Z"), new Date("2025-10-18T10:00:00Z"), 300_000);
 * // 2025-10-18T10:00:00.000Z
 * ```
 */
export function boundedVersion(incoming: Date | null, now: Date, toleranceMs: number): Date | null {
  return incoming !== null && incoming.getTime() > now.getTime() + toleranceMs ? now : incoming;
}

/** Key → _id, bounded: past `max` entries the oldest are forgotten (they are looked up by key again). */
class IdCache {
  #map = new Map<string, ObjectId | string>();
  constructor(readonly max: number) {}
  get(key: string) {
    return this.#map.get(key);
  }
  set(key: string, id: ObjectId | string) {
    this.#map.delete(key);
    this.#map.set(key, id);
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as string);
  }
}

/**
 * Creates the writer for users and org units.
 *
 * @param deps collections, excluded fields, super admins, clock
 * @returns `user(event)` and `orgUnit(event)`, each an {@linkcode ApplyResult} or {@linkcode RACED}
 *
 * @example
 * ```ts
 * const writer = createResourceWriter({
 *   users, units, excludeFields: [], superAdminEmails: [], futureToleranceMs: 300_000, now: () => new Date(),
 * });
 * let r = await writer.user(event);
 * while (r === RACED) r = await writer.user(event);
 * ```
 */
export function createResourceWriter(deps: ResourceWriterDeps) {
  const userFields = userHashFields(deps.excludeFields);
  // 100,000 ids are a few MB; an organisation's active users fit.
  const userIds = new IdCache(100_000);

  async function write(e: ForwardedEvent, t: Target, may?: MayDeactivate): Promise<WriteOutcome> {
    const at = deps.now();
    const projection = {
      _id: 1,
      scimLastModified: 1,
      syncHash: 1,
      isActive: 1,
      deactivatedAt: 1,
      [t.subjectField]: 1,
    };
    const [keyField, keyValue] = Object.entries(t.key)[0] as [string, unknown];
    const knownId = t.ids?.get(String(keyValue));
    let raw = knownId === undefined
      ? null
      : await t.coll.findOne({ _id: knownId } as Document, {
        projection: { ...projection, [keyField]: 1 },
      });
    // A known _id that no longer holds this resource (OFM removed or replaced it): look it up by key.
    if (raw === null || raw[keyField] !== keyValue) raw = await t.coll.findOne(t.key, { projection });
    if (raw) t.ids?.set(String(keyValue), raw._id);
    const old = raw ? ({ ...raw, subject: raw[t.subjectField] } as Stored) : null;
    const incoming = boundedVersion(
      t.doc ? scimDate(t.doc.scimLastModified as string | null) : scimDate(e.occurredAt),
      at,
      deps.futureToleranceMs,
    );
    const subject = (t.doc?.[t.subjectField] as string | undefined) ?? old?.subject ?? e.resourceId;
    if (old && isStale(old.scimLastModified, incoming)) return { status: "stale", subject };
    // Only this version of the document may be overwritten: a newer write in between wins.
    const cas = async (
      o: Stored,
      set: Document,
      change: ApplyResult["change"],
    ): Promise<WriteOutcome> => {
      const guard: Document = { _id: o._id, scimLastModified: o.scimLastModified ?? null };
      const r = await t.coll.updateOne(guard, {
        $set: { ...set, updatedAt: at, syncSource: "webhook" },
      });
      return r.matchedCount === 1 ? { status: "success", change, subject } : RACED;
    };
    // A delete or an unchanged document still moves the version forward, so an older update
    // that arrives later is recognised as stale.
    const version = old && isNewer(incoming, old.scimLastModified)
      ? { scimLastModified: incoming }
      : {};

    if (!t.doc) {
      if (!old) return { status: "success", change: "absent", subject };
      if (old.isActive === false) {
        return Object.keys(version).length > 0
          ? await cas(old, version, "unchanged")
          : { status: "success", change: "unchanged", subject };
      }
      if (may && !(await may())) return { status: "held", subject };
      return await cas(
        old,
        { ...version, isActive: false, deactivatedAt: at, syncHash: "" },
        "deactivated",
      );
    }
    const hash = contentHash(t.doc, t.fields);
    if (!old) {
      try {
        const { scimLastModified: _, ...fields } = t.doc;
        const inserted = await t.coll.insertOne({
          ...fields,
          ...t.onInsert?.(),
          scimLastModified: incoming,
          syncHash: hash,
          createdAt: at,
          updatedAt: at,
          deactivatedAt: fields.isActive ? null : at,
          syncSource: "webhook",
        });
        t.ids?.set(String(keyValue), inserted.insertedId);
        return { status: "success", change: "created", subject };
      } catch (err) {
        // Another writer created it first: a race. A clash on another unique index
        // (OFM's own, e.g. on email) is a real failure and must say so.
        const created = err instanceof MongoServerError && err.code === 11000 &&
          (await t.coll.countDocuments(t.key, { limit: 1 })) > 0;
        if (created) return RACED;
        throw err;
      }
    }
    if (old.syncHash === hash) {
      return Object.keys(version).length > 0
        ? await cas(old, version, "unchanged")
        : { status: "success", change: "unchanged", subject };
    }
    const set: Document = {
      scimLastModified: incoming ?? old.scimLastModified ?? null,
      syncHash: hash,
    };
    for (const f of t.fields) set[f] = t.doc[f] ?? null;
    const active = t.doc.isActive === true;
    if (t.fields.includes("isActive")) {
      // deactivatedAt records when it became inactive: kept while it stays inactive.
      set.deactivatedAt = active ? null : old.isActive === false ? old.deactivatedAt ?? at : at;
    }
    const deactivates = t.fields.includes("isActive") && !active && old.isActive !== false;
    if (deactivates && may && !(await may())) return { status: "held", subject };
    return await cas(old, set, deactivates ? "deactivated" : "updated");
  }

  return {
    /** Applies a user event: upsert by `ssoUserId`, or soft delete. */
    user(e: ForwardedEvent, may?: MayDeactivate): Promise<WriteOutcome> {
      const u: OfmUser | null = e.user;
      if (e.action !== "delete" && !u) {
        return Promise.resolve({ status: "failed", error: "event carries no user" });
      }
      return write(e, {
        coll: deps.users as unknown as Collection<Document>,
        key: { ssoUserId: e.resourceId },
        ids: userIds,
        subjectField: "email",
        doc: e.action === "delete" ? null : u,
        fields: userFields,
        onInsert: () => ({ role: defaultRole((u as OfmUser).email, deps.superAdminEmails) }),
      }, may);
    },
    /** Applies a group event: upsert by `_id` (the SCIM id), or mark inactive. */
    orgUnit(e: ForwardedEvent, may?: MayDeactivate): Promise<WriteOutcome> {
      const g: OfmOrgUnit | null = e.orgUnit;
      if (e.action !== "delete" && !g) {
        return Promise.resolve({ status: "failed", error: "event carries no org unit" });
      }
      return write(e, {
        coll: deps.units as unknown as Collection<Document>,
        key: { _id: e.resourceId },
        subjectField: "unitName",
        doc: e.action === "delete" ? null : g,
        fields: orgUnitHashFields,
      }, may);
    },
  };
}
