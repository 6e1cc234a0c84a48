/**
 * Persistence of one resource for the webhook path (ingest/resource-writer.ts
 * decides; this module reads and writes): read the stored version of a user
 * or an org unit, insert a new one, update one only while it still holds the
 * version read, count the active ones. A lost race is the value `"raced"`,
 * never an exception; any other failure is a typed error (driver-errors.ts).
 *
 * @module
 */
import type { Collection, Db, Document } from "mongodb";
import { RECORDED_FIELDS } from "../documents/change-record.ts";
import { ORG_UNITS, USERS } from "./collections.ts";
import { isDuplicateKey, translateDriverErrors } from "./driver-errors.ts";
import { ensureUserIndexes } from "./user-indexes.ts";
import { silentLogger } from "../../shared/logger.ts";

/** The two resource types of SCIM that OFM stores. */
export type ResourceType = "User" | "Group";

/**
 * What a decision needs of a stored resource. `id` is the stored `_id`, opaque
 * outside the store; `subject` is the user's email or the unit's name.
 */
export interface StoredVersion {
  id: unknown;
  scimLastModified: Date | null;
  syncHash?: string;
  isActive?: boolean;
  deactivatedAt?: Date | null;
  subject?: string;
  /** The mapped fields as stored: the old values of a change record (documents/change-record.ts). */
  fields?: Record<string, unknown>;
}

/** A conditional write's outcome: done, or another writer got there first. */
export type ConditionalWrite = "written" | "raced";

/** What {@linkcode createResourceStore} returns. */
export type ResourceStore = ReturnType<typeof createResourceStore>;

/** Key → _id, bounded: past `max` entries the oldest are forgotten (they are looked up by key again). */
class IdCache {
  #map = new Map<string, unknown>();
  constructor(readonly max: number) {}
  get(key: string) {
    return this.#map.get(key);
  }
  set(key: string, id: unknown) {
    this.#map.delete(key);
    this.#map.set(key, id);
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as string);
  }
}

/** Where a resource type lives and how it is found. */
interface Place {
  coll: Collection<Document>;
  /** `ssoUserId` for users, `_id` (the SCIM id) for org units. */
  keyField: string;
  subjectField: "email" | "unitName";
  /** The mapped fields read with the version, for the change log. */
  mapped: readonly string[];
  /**
   * Key → _id of resources seen before. A read by _id is the lookup every server answers
   * from an index (FerretDB 1.24 answers `{ ssoUserId }` ten times slower).
   */
  ids?: IdCache;
}

/**
 * Creates the resource store over `users` and `orgUnits`.
 *
 * @param db the runner's database
 * @returns `read`, `insert`, `updateIfVersion`, `countActive`, `ensureIndexes`
 *
 * @example
 * ```ts
 * const resources = createResourceStore(db);
 * const stored = await resources.read("User", "u-1");
 * if (stored) await resources.updateIfVersion("User", stored, { phone: "+62 2" }); // "written" | "raced"
 * ```
 */
export function createResourceStore(db: Db) {
  const places: Record<ResourceType, Place> = {
    // 100,000 ids are a few MB; an organisation's active users fit.
    User: {
      coll: db.collection(USERS),
      keyField: "ssoUserId",
      subjectField: "email",
      mapped: RECORDED_FIELDS.User,
      ids: new IdCache(100_000),
    },
    Group: {
      coll: db.collection(ORG_UNITS),
      keyField: "_id",
      subjectField: "unitName",
      mapped: RECORDED_FIELDS.Group,
    },
  };
  return translateDriverErrors({
    /**
     * The unique `users.ssoUserId` the webhook path relies on (idempotent), made the one way
     * the sync store makes it: over the sync's own documents only (user-indexes.ts).
     */
    async ensureIndexes(): Promise<void> {
      await ensureUserIndexes(db, { matchOn: "email", logger: silentLogger });
    },
    /** The stored version of the resource with this key, or null. */
    read: (type: ResourceType, key: string): Promise<StoredVersion | null> =>
      read(places[type], key),
    /**
     * Inserts a new document. `"raced"` when another writer created the resource first;
     * a clash on another unique index (OFM's own, e.g. on email) throws DuplicateKeyError.
     */
    async insert(type: ResourceType, key: string, doc: Document): Promise<ConditionalWrite> {
      const p = places[type];
      try {
        const inserted = await p.coll.insertOne({ ...doc });
        p.ids?.set(key, inserted.insertedId);
        return "written";
      } catch (err) {
        if (
          isDuplicateKey(err) &&
          (await p.coll.countDocuments({ [p.keyField]: key }, { limit: 1 })) > 0
        ) {
          return "raced";
        }
        throw err;
      }
    },
    /** Applies `set` only if the document still holds the version `stored` was read at. */
    async updateIfVersion(
      type: ResourceType,
      stored: StoredVersion,
      set: Document,
    ): Promise<ConditionalWrite> {
      const guard: Document = { _id: stored.id, scimLastModified: stored.scimLastModified ?? null };
      const r = await places[type].coll.updateOne(guard, { $set: set });
      return r.matchedCount === 1 ? "written" : "raced";
    },
    /** Active documents of the type (the deactivation guard's baseline). */
    countActive: (type: ResourceType): Promise<number> =>
      places[type].coll.countDocuments({ isActive: true }),
  });
}

async function read(p: Place, key: string): Promise<StoredVersion | null> {
  const projection: Document = {
    _id: 1,
    scimLastModified: 1,
    syncHash: 1,
    isActive: 1,
    deactivatedAt: 1,
    [p.subjectField]: 1,
  };
  for (const f of p.mapped) projection[f] = 1;
  const knownId = p.ids?.get(key);
  let raw = knownId === undefined ? null : await p.coll.findOne({ _id: knownId } as Document, {
    projection: { ...projection, [p.keyField]: 1 },
  });
  // A known _id that no longer holds this resource (OFM removed or replaced it): look it up by key.
  if (raw === null || raw[p.keyField] !== key) {
    raw = await p.coll.findOne({ [p.keyField]: key }, { projection });
  }
  if (raw === null) return null;
  p.ids?.set(key, raw._id);
  return {
    id: raw._id,
    // As stored, even if not a Date: the conditional update must match it exactly.
    scimLastModified: (raw.scimLastModified ?? null) as Date | null,
    syncHash: raw.syncHash,
    isActive: raw.isActive,
    deactivatedAt: raw.deactivatedAt,
    subject: raw[p.subjectField],
    fields: Object.fromEntries(p.mapped.map((f) => [f, raw![f] ?? null])),
  };
}
