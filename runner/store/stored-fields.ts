/**
 * The stored values of the synced fields of many users or org units at once,
 * for the preview's old → new per field: read in chunks of ids, projected to
 * the fields asked for. Read-only.
 *
 * @module
 */
import type { Db, Document } from "mongodb";
import { ORG_UNITS, USERS } from "./collections.ts";
import { translateDriverErrors } from "./driver-errors.ts";

/** Ids per query: a `$in` of this many stays well under a command's size limit. */
const CHUNK = 1_000;

/** What {@linkcode createStoredFields} returns. */
export type StoredFields = ReturnType<typeof createStoredFields>;

async function byIds(
  db: Db,
  collection: string,
  key: "ssoUserId" | "_id",
  ids: readonly string[],
  fields: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const projection: Document = { _id: key === "_id" ? 1 : 0, [key]: 1 };
  for (const f of fields) projection[f] = 1;
  const out = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const docs = await db.collection(collection).find({ [key]: { $in: chunk } } as Document, {
      projection,
    }).toArray();
    for (const d of docs) out.set(String(d[key]), d);
  }
  return out;
}

/**
 * Creates the reader.
 *
 * @example
 * ```ts
 * const stored = createStoredFields(db);
 * (await stored.users(["u1"], ["departmentId"])).get("u1"); // { ssoUserId: "u1", departmentId: "D-1" }
 * ```
 */
export function createStoredFields(db: Db) {
  return translateDriverErrors({
    /** Users by `ssoUserId`, with `fields`; ids not stored are absent. */
    users: (ids: readonly string[], fields: readonly string[]) =>
      byIds(db, USERS, "ssoUserId", ids, fields),
    /** Org units by `_id` (the SCIM Group id), with `fields`. */
    orgUnits: (ids: readonly string[], fields: readonly string[]) =>
      byIds(db, ORG_UNITS, "_id", ids, fields),
  });
}
