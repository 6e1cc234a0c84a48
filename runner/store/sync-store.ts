/**
 * Batched writes of a sync into `users` and `orgUnits`: insertMany for new
 * documents (fast on MongoDB and FerretDB alike), unordered bulkWrite updates
 * in small chunks for changed ones, and the indexes the guide's queries need.
 *
 * Update chunks stay at 50: FerretDB 1.24 hangs on an `update` command of 100
 * or more statements, and MongoDB gains little from larger ones.
 *
 * @module
 */
import { type AnyBulkWriteOperation, type Db, MongoBulkWriteError, ObjectId } from "mongodb";
import type { OfmOrgUnit, OfmUser, ResourceError } from "../../shared/ofm-documents.ts";
import type { Change, ExistingEntry } from "../sync/diff.ts";
import { PackedIndex } from "./packed-index.ts";
import { isSuperAdminEmail } from "../super-admins.ts";

/** Documents per cursor batch of the index read: few round trips, bounded garbage. */
const INDEX_BATCH = 5000;
import { scimDate } from "./scim-date.ts";
import { ORG_UNITS, type OrgUnitDoc, type Role, type UserDoc, USERS } from "./collections.ts";

export type SyncStore = ReturnType<typeof createSyncStore>;

export interface SyncStoreOptions {
  superAdminEmails: readonly string[];
  /** User fields written on update (the guide's minus SYNC_EXCLUDE_FIELDS). */
  userUpdateFields: readonly string[];
  now?: () => Date;
  insertBatch?: number;
  updateBatch?: number;
}

/** What a write step did. */
export interface WriteOutcome {
  written: number;
  errors: ResourceError[];
}

/**
 * The role a new user gets; never changed by later syncs. SUPER_ADMIN_EMAILS
 * match after an ASCII-only case fold (see super-admins.ts): a look-alike such
 * as the Kelvin sign never matches.
 *
 * @example
 * ```ts
 * defaultRole("Boss@ias.co.id", ["boss@ias.co.id"]); // "super_admin"
 * ```
 */
export function defaultRole(email: string, superAdmins: readonly string[]): Role {
  return isSuperAdminEmail(email, superAdmins) ? "super_admin" : "employee";
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Creates the sync store.
 *
 * @example
 * ```ts
 * const store = createSyncStore(db, { superAdminEmails: [], userUpdateFields: ["email"] });
 * await store.ensureIndexes();
 * const existing = await store.userIndex();
 * ```
 */
export function createSyncStore(db: Db, options: SyncStoreOptions) {
  const users = db.collection<UserDoc>(USERS);
  const units = db.collection<OrgUnitDoc>(ORG_UNITS);
  const now = options.now ?? (() => new Date());
  const insertBatch = options.insertBatch ?? 1000;
  const updateBatch = Math.min(options.updateBatch ?? 50, 99);

  function userSet(c: Change<OfmUser>, at: Date, source: string): Partial<UserDoc> {
    const set: Record<string, unknown> = {};
    for (const f of options.userUpdateFields) set[f] = c.doc[f as keyof OfmUser];
    set.isActive = c.doc.isActive;
    set.scimLastModified = scimDate(c.doc.scimLastModified);
    set.syncHash = c.hash;
    set.updatedAt = at;
    set.syncSource = source;
    if (c.doc.isActive) set.deactivatedAt = null;
    else if (c.kind === "update" && c.deactivates) set.deactivatedAt = at;
    return set as Partial<UserDoc>;
  }

  function newUser(c: Change<OfmUser>, at: Date, source: string): UserDoc {
    return {
      ...c.doc,
      role: defaultRole(c.doc.email, options.superAdminEmails),
      scimLastModified: scimDate(c.doc.scimLastModified),
      syncHash: c.hash,
      createdAt: at,
      updatedAt: at,
      deactivatedAt: c.doc.isActive ? null : at,
      syncSource: source,
    };
  }

  function unitDoc(c: Change<OfmOrgUnit>, at: Date, source: string) {
    const { _id, scimLastModified, ...fields } = c.doc;
    return {
      _id,
      set: {
        ...fields,
        scimLastModified: scimDate(scimLastModified),
        syncHash: c.hash,
        updatedAt: at,
        syncSource: source,
        deactivatedAt: c.doc.isActive ? null : at,
      },
    };
  }

  /** Runs unordered bulk writes in chunks; a failed chunk's write errors become entries. */
  async function bulk<T extends object>(
    collection: "users" | "orgUnits",
    ops: AnyBulkWriteOperation<T>[],
    keyOf: (i: number) => string,
    type: "User" | "Group",
  ): Promise<WriteOutcome> {
    const col = db.collection<T>(collection);
    const out: WriteOutcome = { written: 0, errors: [] };
    let offset = 0;
    for (const chunk of chunks(ops, updateBatch)) {
      const base = offset;
      offset += chunk.length;
      try {
        const r = await col.bulkWrite(chunk, { ordered: false });
        out.written += r.modifiedCount + r.upsertedCount;
      } catch (e) {
        if (!(e instanceof MongoBulkWriteError)) throw e;
        out.written += e.result.modifiedCount + e.result.upsertedCount;
        for (const we of writeErrorsOf(e)) {
          out.errors.push(writeError(type, keyOf(base + we.index), we.code, we.errmsg));
        }
      }
    }
    return out;
  }

  return {
    async ensureIndexes(): Promise<void> {
      await users.createIndex({ ssoUserId: 1 }, { unique: true });
      await users.createIndex({ email: 1 }, { unique: true });
      await units.createIndex({ parentUnitId: 1 });
    },

    /**
     * `ssoUserId` → hash, active flag and `_id`, for diffing. `relieve` runs after every
     * batch: decoding 100,000 documents makes garbage as fast as a listing does.
     */
    async userIndex(relieve?: () => void): Promise<PackedIndex> {
      const index = new PackedIndex();
      // Large batches: fewer round trips for the one read a sync makes of the whole collection.
      const cursor = users.find({}, {
        projection: { _id: 1, ssoUserId: 1, syncHash: 1, isActive: 1 },
        batchSize: INDEX_BATCH,
      });
      let read = 0;
      for await (const d of cursor) {
        if (++read % INDEX_BATCH === 0) relieve?.();
        if (typeof d.ssoUserId !== "string") continue;
        index.add(
          d.ssoUserId,
          String(d.syncHash ?? ""),
          d.isActive === true,
          // A hex string holds a 100,000-user index in far less memory than ObjectId objects.
          d._id instanceof ObjectId ? `oid:${d._id.toHexString()}` : d._id,
        );
      }
      return index;
    },

    async orgUnitIndex(): Promise<Map<string, ExistingEntry>> {
      const map = new Map<string, ExistingEntry>();
      const cursor = units.find({}, { projection: { _id: 1, syncHash: 1, isActive: 1 } });
      for await (const d of cursor) {
        map.set(String(d._id), { key: String(d._id), syncHash: String(d.syncHash ?? ""), isActive: d.isActive !== false, id: d._id });
      }
      return map;
    },

    /**
     * Inserts new users in batches. A user a webhook created meanwhile (duplicate
     * ssoUserId) is updated instead; any other duplicate (an email already used by
     * another OFM user) becomes an error entry.
     */
    async createUsers(changes: readonly Change<OfmUser>[], source: string): Promise<WriteOutcome> {
      const at = now();
      const out: WriteOutcome = { written: 0, errors: [] };
      const retry: Change<OfmUser>[] = [];
      for (const batch of chunks(changes, insertBatch)) {
        try {
          const r = await users.insertMany(batch.map((c) => newUser(c, at, source)), { ordered: false });
          out.written += r.insertedCount;
        } catch (e) {
          if (!(e instanceof MongoBulkWriteError)) throw e;
          out.written += e.result.insertedCount;
          for (const we of writeErrorsOf(e)) {
            const c = batch[we.index];
            if (!c) continue;
            if (we.code === 11000 && /ssoUserId/.test(we.errmsg ?? "")) retry.push(c);
            else out.errors.push(writeError("User", c.doc.ssoUserId, we.code, we.errmsg));
          }
        }
      }
      if (retry.length > 0) {
        const r = await this.updateUsers(retry, source);
        out.written += r.written;
        out.errors.push(...r.errors);
      }
      return out;
    },

    async updateUsers(changes: readonly Change<OfmUser>[], source: string): Promise<WriteOutcome> {
      const at = now();
      // By _id when known: FerretDB pushes only _id filters down to its index.
      const ops: AnyBulkWriteOperation<UserDoc>[] = changes.map((c) => ({
        updateOne: {
          filter: (c.kind === "update" && c.id !== undefined ? { _id: storedId(c.id) } : { ssoUserId: c.doc.ssoUserId }) as object,
          update: { $set: userSet(c, at, source) },
        },
      }));
      return await bulk<UserDoc>("users", ops, (i) => changes[i]?.doc.ssoUserId ?? "?", "User");
    },

    /** Soft-deletes users absent from a complete listing. */
    async deactivateUsers(entries: readonly ExistingEntry[], source: string): Promise<WriteOutcome> {
      const at = now();
      const ops: AnyBulkWriteOperation<UserDoc>[] = entries.map((e) => ({
        updateOne: {
          filter: (e.id !== undefined ? { _id: storedId(e.id), isActive: true } : { ssoUserId: e.key, isActive: true }) as object,
          // An empty hash makes the user's return to the directory an update.
          update: { $set: { isActive: false, deactivatedAt: at, updatedAt: at, syncHash: "", syncSource: source } },
        },
      }));
      return await bulk<UserDoc>("users", ops, (i) => entries[i]?.key ?? "?", "User");
    },

    async createOrgUnits(changes: readonly Change<OfmOrgUnit>[], source: string): Promise<WriteOutcome> {
      const at = now();
      const out: WriteOutcome = { written: 0, errors: [] };
      for (const batch of chunks(changes, insertBatch)) {
        const docs = batch.map((c) => {
          const { _id, set } = unitDoc(c, at, source);
          return { _id, ...set, createdAt: at } as OrgUnitDoc & { _id: string };
        });
        try {
          out.written += (await units.insertMany(docs, { ordered: false })).insertedCount;
        } catch (e) {
          if (!(e instanceof MongoBulkWriteError)) throw e;
          out.written += e.result.insertedCount;
          const retry = writeErrorsOf(e)
            .filter((we) => we.code === 11000).map((we) => batch[we.index]).filter((c) => c !== undefined);
          const r = await this.updateOrgUnits(retry, source);
          out.written += r.written;
          out.errors.push(...r.errors);
        }
      }
      return out;
    },

    async updateOrgUnits(changes: readonly Change<OfmOrgUnit>[], source: string): Promise<WriteOutcome> {
      const at = now();
      const ops: AnyBulkWriteOperation<OrgUnitDoc>[] = changes.map((c) => {
        const { _id, set } = unitDoc(c, at, source);
        return {
          updateOne: {
            filter: { _id } as object,
            update: { $set: set, $setOnInsert: { createdAt: at } },
            upsert: true,
          },
        };
      });
      return await bulk<OrgUnitDoc>("orgUnits", ops, (i) => changes[i]?.doc._id ?? "?", "Group");
    },

    async deactivateOrgUnits(entries: readonly ExistingEntry[], source: string): Promise<WriteOutcome> {
      const at = now();
      const ops: AnyBulkWriteOperation<OrgUnitDoc>[] = entries.map((e) => ({
        updateOne: {
          filter: { _id: e.key, isActive: { $ne: false } } as object,
          update: { $set: { isActive: false, deactivatedAt: at, updatedAt: at, syncHash: "", syncSource: source } },
        },
      }));
      return await bulk<OrgUnitDoc>("orgUnits", ops, (i) => entries[i]?.key ?? "?", "Group");
    },
  };
}

function writeError(type: "User" | "Group", id: string, code: number, msg?: string): ResourceError {
  const what = code === 11000
    ? `duplicate key: ${/dup key: (\{.*\})/.exec(msg ?? "")?.[1] ?? "another document has the same email or id"}`
    : (msg ?? `write failed with code ${code}`);
  return { resourceType: type, resourceId: id, code: code === 11000 ? "DUPLICATE_KEY" : "WRITE_FAILED", message: what };
}

/** The driver gives one WriteError or an array; normalise to an array. */
function writeErrorsOf(e: MongoBulkWriteError): { index: number; code: number; errmsg?: string }[] {
  const list = Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors];
  return list.map((we) => ({ index: we.index, code: we.code, errmsg: we.errmsg }));
}

/** Back from the index's hex string to the stored ObjectId. */
function storedId(id: unknown): unknown {
  return typeof id === "string" && id.startsWith("oid:") ? ObjectId.createFromHexString(id.slice(4)) : id;
}
