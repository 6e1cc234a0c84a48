/**
 * The customer's world for the tests: an OFM database that already holds
 * accounts of its own before the SSO is connected (no `ssoUserId`, an OFM
 * `_id`, a role, fields OFM keeps for itself) and OFM's own unique indexes on
 * `email` and `userId`. Sync, webhook, on-demand and purge tests seed it.
 *
 * @module
 */
import type { Db, Document } from "mongodb";
import type { Directory } from "../../../dev/sso/directory.ts";

/** OFM's own unique indexes, named as OFM would. */
export const OFM_INDEXES = [
  { key: { email: 1 }, name: "ofm_email_unique" },
  { key: { userId: 1 }, name: "ofm_userId_unique" },
] as const;

/** Two accounts OFM created itself that the directory does not have. */
export const LOCAL_ONLY: Document[] = [
  {
    email: "ofm-admin@ofm.local",
    userId: "OFM-ADMIN",
    firstName: "OFM",
    lastName: "Admin",
    role: "super_admin",
    isActive: true,
  },
  {
    email: "ofm-ops@ofm.local",
    userId: "OFM-OPS",
    firstName: "OFM",
    lastName: "Ops",
    role: "employee",
    isActive: false,
  },
];

/** What an OFM account made from a directory person keeps of its own. */
export interface SeedOptions {
  /** Write some emails in another letter case than the directory's (matching is case-insensitive). */
  mixCase?: boolean;
  /** OFM's own fields on each seeded account. */
  local?: (i: number) => Document;
}

/**
 * Creates OFM's unique indexes and seeds accounts without `ssoUserId` for the first
 * `count` people of the directory, plus {@linkcode LOCAL_ONLY}. Returns the seeded
 * documents as inserted (with their `_id`).
 *
 * @example
 * ```ts
 * const seeded = await seedOfm(db, sso.directory, 1000, { mixCase: true });
 * ```
 */
export async function seedOfm(
  db: Db,
  directory: Directory,
  count: number,
  o: SeedOptions = {},
): Promise<Document[]> {
  const users = db.collection("users");
  for (const i of OFM_INDEXES) await users.createIndex(i.key, { name: i.name, unique: true });
  const people = directory.list("User").slice(0, count) as Record<string, any>[];
  const docs: Document[] = people.map((p, i) => {
    const email = String(p.userName);
    return {
      email: o.mixCase && i % 3 === 0 ? email.toUpperCase() : email,
      userId: p["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]?.employeeNumber,
      firstName: p.name?.givenName ?? null,
      lastName: "OFM-" + String(p.name?.familyName ?? ""),
      role: i % 50 === 0 ? "super_admin" : "employee",
      isActive: true,
      ofmNote: `kept-${i}`,
      ...(o.local?.(i) ?? {}),
    };
  });
  const all = [...docs, ...LOCAL_ONLY.map((d) => ({ ...d }))];
  if (all.length > 0) await users.insertMany(all);
  return all;
}
