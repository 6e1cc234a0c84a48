/**
 * Names for ids: the few users and org units a preview shows by name, read
 * in one projected query per resource type.
 *
 * @module
 */
import type { Db } from "mongodb";
import { ORG_UNITS, type OrgUnitDoc, type UserDoc, USERS } from "./collections.ts";
import { translateDriverErrors } from "./driver-errors.ts";

/** A person's or a unit's name as a list shows it. */
export interface NamedRef {
  name: string | null;
  email: string | null;
}

/** What {@linkcode createNameLookup} returns. */
export type NameLookup = ReturnType<typeof createNameLookup>;

/**
 * Creates the look-up.
 *
 * @example
 * ```ts
 * const names = createNameLookup(db);
 * (await names.users(["u1"])).get("u1"); // { name: "Jane Doe", email: "jane@ias.co.id" }
 * ```
 */
export function createNameLookup(db: Db) {
  const users = db.collection<UserDoc>(USERS);
  const units = db.collection<OrgUnitDoc>(ORG_UNITS);
  return translateDriverErrors({
    /** By `ssoUserId`; ids not stored are absent from the map. */
    async users(ids: readonly string[]): Promise<Map<string, NamedRef>> {
      if (ids.length === 0) return new Map();
      const docs = await users.find({ ssoUserId: { $in: [...ids] } }, {
        projection: { _id: 0, ssoUserId: 1, email: 1, firstName: 1, lastName: 1 },
      }).toArray();
      return new Map(docs.map((d) => [d.ssoUserId, {
        name: [d.firstName, d.lastName].filter(Boolean).join(" ") || null,
        email: d.email ?? null,
      }]));
    },
    /** By `_id` (the SCIM Group id). */
    async orgUnits(ids: readonly string[]): Promise<Map<string, NamedRef>> {
      if (ids.length === 0) return new Map();
      const docs = await units.find({ _id: { $in: [...ids] } }, {
        projection: { _id: 1, unitName: 1 },
      }).toArray();
      return new Map(docs.map((d) => [String(d._id), { name: d.unitName ?? null, email: null }]));
    },
  });
}
