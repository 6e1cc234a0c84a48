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
import { groupCommit } from "./group-commit.ts";
import { type GuardedOutcome, guardedUpdates } from "./guarded-update.ts";
import { serverTraitsOnce } from "./server-kind.ts";
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

/** A conditional write's outcome: done, or another writer got there first (guarded-update.ts). */
export type ConditionalWrite = GuardedOutcome;

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
  const readsOf = (p: Place) =>
    groupCommit(async (keys: string[]) =>
      (await readKeys(p, keys)).map((value) => ({ ok: true as const, value }))
    );
  const reads = { User: readsOf(places.User), Group: readsOf(places.Group) };
  const traits = serverTraitsOnce(db);
  const atomic = async () => (await traits()).atomicUpdates;
  const updates = {
    User: guardedUpdates(places.User.coll, atomic),
    Group: guardedUpdates(places.Group.coll, atomic),
  };
  return translateDriverErrors({
    /**
     * The unique `users.ssoUserId` the webhook path relies on (idempotent), made the one way
     * the sync store makes it: over the sync's own documents only (user-indexes.ts).
     */
    async ensureIndexes(): Promise<void> {
      await ensureUserIndexes(db, { matchOn: "email", logger: silentLogger });
    },
    /**
     * The stored version of the resource with this key, or null. The reads of one turn (the
     * events of one forwarded batch) are one find per type (group-commit.ts).
     */
    read: (type: ResourceType, key: string): Promise<StoredVersion | null> => reads[type](key),
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
    /**
     * Applies `set` only if the document still holds the version `stored` was read at. The
     * updates of one turn (one forwarded batch) are one command where the server's updates
     * are atomic (guarded-update.ts).
     */
    updateIfVersion: (
      type: ResourceType,
      stored: StoredVersion,
      set: Document,
    ): Promise<ConditionalWrite> =>
      updates[type]({ id: stored.id, version: stored.scimLastModified ?? null, set }),
    /** Active documents of the type (the deactivation guard's baseline). */
    countActive: (type: ResourceType): Promise<number> =>
      places[type].coll.countDocuments({ isActive: true }),
  });
}

/** What a decision reads of a stored resource, with the key (the check of a cached `_id`). */
function projectionOf(p: Place): Document {
  const projection: Document = {
    _id: 1,
    scimLastModified: 1,
    syncHash: 1,
    isActive: 1,
    deactivatedAt: 1,
    [p.subjectField]: 1,
    [p.keyField]: 1,
  };
  for (const f of p.mapped) projection[f] = 1;
  return projection;
}

function versionOf(p: Place, raw: Document): StoredVersion {
  return {
    id: raw._id,
    // As stored, even if not a Date: the conditional update must match it exactly.
    scimLastModified: (raw.scimLastModified ?? null) as Date | null,
    syncHash: raw.syncHash,
    isActive: raw.isActive,
    deactivatedAt: raw.deactivatedAt,
    subject: raw[p.subjectField],
    fields: Object.fromEntries(p.mapped.map((f) => [f, raw[f] ?? null])),
  };
}

/**
 * The stored versions of `keys`, in order: by cached `_id` where known (the lookup every
 * server answers from an index), by key for the rest and for an `_id` that no longer holds
 * its resource (OFM removed or replaced it). One or two finds for all of them.
 */
async function readKeys(p: Place, keys: readonly string[]): Promise<(StoredVersion | null)[]> {
  const projection = projectionOf(p);
  const found = new Map<string, Document>();
  const byId = keys.flatMap((k) => {
    const id = p.ids?.get(k);
    return id === undefined ? [] : [id];
  });
  if (byId.length === 1) {
    const raw = await p.coll.findOne({ _id: byId[0] } as Document, { projection });
    if (raw !== null) found.set(String(raw[p.keyField]), raw);
  } else if (byId.length > 1) {
    for (
      const raw of await p.coll.find({ _id: { $in: byId } } as Document, { projection }).toArray()
    ) {
      found.set(String(raw[p.keyField]), raw);
    }
  }
  const rest = keys.filter((k) => !found.has(k));
  if (rest.length === 1) {
    const raw = await p.coll.findOne({ [p.keyField]: rest[0] }, { projection });
    if (raw !== null) found.set(rest[0] as string, raw);
  } else if (rest.length > 1) {
    for (
      const raw of await p.coll.find({ [p.keyField]: { $in: rest } }, { projection }).toArray()
    ) {
      // The first per key, as findOne would (the unique index allows one).
      const key = String(raw[p.keyField]);
      if (!found.has(key)) found.set(key, raw);
    }
  }
  return keys.map((k) => {
    const raw = found.get(k);
    if (raw === undefined) return null;
    p.ids?.set(k, raw._id);
    return versionOf(p, raw);
  });
}
