/**
 * The person search's persistence: the index on `searchKeys`, the prefix
 * query, and the one-off filling of the keys on documents written before
 * they existed. The keys are folded (documents/search-keys.ts), so a
 * case-sensitive anchored regex on them is a case-insensitive prefix search
 * that MongoDB answers from the index's bounds — no collation, which
 * FerretDB lacks. The index is sparse: only the documents the sync wrote
 * carry `searchKeys`, so OFM's own accounts stay out of it (FerretDB 1.24
 * refuses `partialFilterExpression`; it takes `sparse`).
 *
 * On FerretDB the keys are not backfilled: its updates are not atomic
 * (server-kind.ts), and a backfill beside live webhooks lost a deactivation.
 * There users the sync wrote before the keys existed are found by their
 * fields as stored, case-insensitively (accents not folded), until the sync
 * or a webhook rewrites them with keys.
 *
 * @module
 */
import type { AnyBulkWriteOperation, Db, Document } from "mongodb";
import { foldForSearch, searchKeys } from "../documents/search-keys.ts";
import { ORG_UNITS, type OrgUnitDoc, type UserDoc, USERS } from "./collections.ts";
import { translateDriverErrors } from "./driver-errors.ts";
import { serverTraitsOnce } from "./server-kind.ts";
import { escapeRegex } from "./regex-escape.ts";

/** One person the search found, as the result list shows it. */
export interface PersonHit {
  ssoUserId: string;
  name: string | null;
  email: string;
  departmentId: string | null;
  /** The department's unit name, when OFM has the unit. */
  departmentName: string | null;
  activeInOfm: boolean;
}

/** What {@linkcode createPersonSearch} returns. */
export type PersonSearchStore = ReturnType<typeof createPersonSearch>;

/** The index's name, so a later release can find and change it. */
export const SEARCH_INDEX = "searchKeys_sparse";

const PROJECTION = {
  _id: 0,
  ssoUserId: 1,
  email: 1,
  firstName: 1,
  lastName: 1,
  departmentId: 1,
  isActive: 1,
} as const;

/**
 * Creates the search store.
 *
 * @example
 * ```ts
 * const people = createPersonSearch(db);
 * await people.ensureIndex();
 * const { hits, more } = await people.search("jan", 50);
 * ```
 */
export function createPersonSearch(db: Db) {
  const users = db.collection<UserDoc>(USERS);
  const units = db.collection<OrgUnitDoc>(ORG_UNITS);
  const traits = serverTraitsOnce(db);
  const atomic = async () => (await traits()).atomicUpdates;
  return translateDriverErrors({
    /** The sparse index on `searchKeys` (only sync-written documents carry the field). */
    async ensureIndex(): Promise<void> {
      await users.createIndex({ searchKeys: 1 }, { sparse: true, name: SEARCH_INDEX });
    },
    /**
     * People whose first name, last name, "first last" or email starts with `prefix`
     * (any case, accents ignored), sorted by name; `more` when there are more than `limit`.
     */
    async search(prefix: string, limit: number): Promise<{ hits: PersonHit[]; more: boolean }> {
      const folded = foldForSearch(prefix);
      if (folded.length === 0) return { hits: [], more: false };
      const keyed = { searchKeys: { $regex: `^${escapeRegex(folded)}` } };
      const docs = await users.find(
        (await atomic()) ? keyed : { $or: [keyed, unkeyedFilter(folded)] },
        { projection: PROJECTION },
      ).limit(limit + 1).toArray();
      const more = docs.length > limit;
      const shown = docs.slice(0, limit);
      const deptIds = [...new Set(shown.map((d) => d.departmentId).filter((d) => d !== null))];
      const names = deptIds.length === 0 ? [] : await units.find(
        { _id: { $in: deptIds as string[] } },
        { projection: { _id: 1, unitName: 1 } },
      ).toArray();
      const unitName = new Map(names.map((u) => [String(u._id), u.unitName]));
      return { hits: shown.map((d) => hitOf(d, unitName)).sort(byName), more };
    },
    /**
     * Gives `searchKeys` to sync-written documents that lack them (written before the
     * search existed; a sync rewrites only what changed, so it would never reach them).
     * Idempotent and, where updates are atomic, safe beside live writes: each update applies
     * only while the field is still missing, so a webhook's fresher keys are never
     * overwritten. `null` on FerretDB, where it does not run (see the module's comment).
     */
    async backfill(): Promise<number | null> {
      const t = await traits();
      if (!t.atomicUpdates) return null;
      const chunk = t.updateChunk;
      const cursor = users.find(
        { ssoUserId: { $type: "string" }, searchKeys: { $exists: false } },
        { projection: { _id: 1, firstName: 1, lastName: 1, email: 1 }, batchSize: chunk },
      );
      let ops: AnyBulkWriteOperation<UserDoc>[] = [];
      let done = 0;
      const flush = async () => {
        if (ops.length === 0) return;
        const r = await users.bulkWrite(ops, { ordered: false });
        done += r.modifiedCount;
        ops = [];
      };
      for await (const d of cursor) {
        ops.push({
          updateOne: {
            filter: { _id: d._id, searchKeys: { $exists: false } },
            update: { $set: { searchKeys: searchKeys(d) } },
          },
        });
        if (ops.length >= chunk) await flush();
      }
      await flush();
      return done;
    },
  });
}

/**
 * The users the sync wrote before `searchKeys` existed whose first name, last name, "first
 * last" or email starts with `folded`, compared case-insensitively as stored (pure). Only
 * where the keys are not backfilled (FerretDB), where a regex is a scan anyway.
 *
 * @example
 * ```ts
 * unkeyedFilter("jane d");
 * // { ssoUserId: { $type: "string" }, searchKeys: { $exists: false }, $or: [{ firstName: … }, …] }
 * ```
 */
export function unkeyedFilter(folded: string): Document {
  const starts = (v: string) => ({ $regex: `^${escapeRegex(v)}`, $options: "i" });
  const either: Document[] = [
    { firstName: starts(folded) },
    { lastName: starts(folded) },
    { email: starts(folded) },
  ];
  // "first last": any space may end the first name ("mary ann s" is Mary Ann S…).
  for (let i = folded.indexOf(" "); i > 0; i = folded.indexOf(" ", i + 1)) {
    either.push({
      firstName: { $regex: `^${escapeRegex(folded.slice(0, i))}$`, $options: "i" },
      lastName: starts(folded.slice(i + 1)),
    });
  }
  return { ssoUserId: { $type: "string" }, searchKeys: { $exists: false }, $or: either };
}

type Projected = Pick<
  UserDoc,
  "ssoUserId" | "email" | "firstName" | "lastName" | "departmentId" | "isActive"
>;

function hitOf(d: Projected, unitName: Map<string, string>): PersonHit {
  return {
    ssoUserId: d.ssoUserId,
    name: [d.firstName, d.lastName].filter(Boolean).join(" ") || null,
    email: d.email,
    departmentId: d.departmentId ?? null,
    departmentName: d.departmentId ? unitName.get(d.departmentId) ?? null : null,
    activeInOfm: d.isActive === true,
  };
}

const byName = (a: PersonHit, b: PersonHit) =>
  (a.name ?? a.email).localeCompare(b.name ?? b.email) || a.email.localeCompare(b.email);
