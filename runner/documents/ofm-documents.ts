/**
 * The one builder of OFM's `users` and `orgUnits` documents, for the sync
 * (store/sync-store.ts) and the webhook path (ingest/resource-writer.ts)
 * alike: what a new document holds, what an update sets, what a soft delete
 * sets, and the role a new user gets. A change to a stored document's shape
 * is made here, once.
 *
 * Pure: each function takes the mapped document, its content hash, the
 * instant `at`, the source and (where it matters) the version to store, and
 * returns a plain object for the store to write.
 *
 * @module
 */
import { type OfmOrgUnit, type OfmUser, ORG_UNIT_SYNC_FIELDS } from "../../shared/ofm-documents.ts";
import { isSuperAdminEmail } from "../super-admins.ts";
import { emailKeyOf } from "./match-key.ts";
import { scimDate } from "./scim-date.ts";
import { searchKeys } from "./search-keys.ts";
import type { OrgUnitDoc, Role, SyncSource, UserDoc } from "./stored-docs.ts";

/** What every write records besides the mapped fields. */
export interface WriteStamp {
  /** contentHash() of the synced fields. */
  hash: string;
  at: Date;
  source: SyncSource;
  /**
   * The `scimLastModified` to store. @default the mapped document's, parsed
   * (the webhook path passes its bounded version, see ingest/resource-writer.ts)
   */
  version?: Date | null;
}

/** What an update needs besides the {@linkcode WriteStamp}. */
export interface UpdateStamp extends WriteStamp {
  /** The document was active and is not any more: `deactivatedAt` becomes `at`. */
  deactivates: boolean;
  /**
   * For a document that was inactive and stays so: the `deactivatedAt` to write.
   * Absent, the stored one is left as it is (the sync does not read it).
   */
  inactiveSince?: Date;
}

/** The org unit fields an update writes: every mapped one but `_id` and the version. */
const ORG_UNIT_FIELDS: readonly string[] = ORG_UNIT_SYNC_FIELDS;

/**
 * The role a new user gets; never changed by later writes. SUPER_ADMIN_EMAILS
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

const versionOf = (doc: { scimLastModified: string | null }, o: WriteStamp) =>
  o.version === undefined ? scimDate(doc.scimLastModified) : o.version;

/** The bookkeeping of a new document. */
function created(doc: { isActive: boolean; scimLastModified: string | null }, o: WriteStamp) {
  return {
    scimLastModified: versionOf(doc, o),
    syncHash: o.hash,
    createdAt: o.at,
    updatedAt: o.at,
    deactivatedAt: doc.isActive ? null : o.at,
    syncSource: o.source,
  };
}

/**
 * A new `users` document: every mapped field, the default role, the version,
 * hash, timestamps and source; `deactivatedAt` is `at` when it arrives inactive.
 *
 * @example
 * ```ts
 * newUserDoc(user, { hash: "h1", at, source: "full_sync", superAdminEmails: ["boss@ias.co.id"] });
 * // { ...user, role: "employee", scimLastModified: Date, syncHash: "h1", createdAt: at, updatedAt: at, deactivatedAt: null, syncSource: "full_sync", searchKeys: ["jane", …] }
 * ```
 */
export function newUserDoc(
  doc: OfmUser,
  o: WriteStamp & { superAdminEmails: readonly string[] },
): UserDoc {
  return {
    ...doc,
    emailKey: emailKeyOf(doc.email),
    role: defaultRole(doc.email, o.superAdminEmails),
    ...created(doc, o),
    searchKeys: searchKeys(doc),
  };
}

/**
 * A new `orgUnits` document (`_id` = the SCIM Group id).
 *
 * @example
 * ```ts
 * newOrgUnitDoc(unit, { hash: "h1", at, source: "webhook", version: bounded });
 * ```
 */
export function newOrgUnitDoc(doc: OfmOrgUnit, o: WriteStamp): OrgUnitDoc & { _id: string } {
  return { ...doc, ...created(doc, o) };
}

/** The `$set` of an update: the listed fields, `isActive`, version, hash, time, source, `deactivatedAt`. */
function updateSet(
  doc: Readonly<Record<string, unknown>>,
  fields: readonly string[],
  o: UpdateStamp,
) {
  const set: Record<string, unknown> = {};
  for (const f of fields) set[f] = doc[f] ?? null;
  set.isActive = doc.isActive === true;
  set.scimLastModified = versionOf(doc as { scimLastModified: string | null }, o);
  set.syncHash = o.hash;
  set.updatedAt = o.at;
  set.syncSource = o.source;
  // deactivatedAt records when it became inactive: null while active, kept while it stays inactive.
  if (doc.isActive === true) set.deactivatedAt = null;
  else if (o.deactivates) set.deactivatedAt = o.at;
  else if (o.inactiveSince !== undefined) set.deactivatedAt = o.inactiveSince;
  return set;
}

/**
 * The `$set` of a user update. `fields`: the user fields written on update (the
 * guide's minus SYNC_EXCLUDE_FIELDS); an excluded field and the role are never set.
 * A reactivated user (`isActive` true) gets `deactivatedAt: null`.
 *
 * @example
 * ```ts
 * userUpdateSet(user, { fields: ["email", "isActive"], hash: "h2", at, source: "delta_sync", deactivates: false });
 * // { email, isActive, scimLastModified, syncHash: "h2", updatedAt: at, syncSource: "delta_sync", deactivatedAt: null, emailKey, searchKeys }
 * ```
 */
export function userUpdateSet(
  doc: OfmUser,
  o: UpdateStamp & { fields: readonly string[] },
): Partial<UserDoc> {
  const set = updateSet(doc, o.fields, o) as Partial<UserDoc>;
  // The match key follows the email wherever the email is written.
  if (typeof set.email === "string") set.emailKey = emailKeyOf(set.email);
  // The directory's names, even for a name in SYNC_EXCLUDE_FIELDS: people are found as the SSO knows them.
  set.searchKeys = searchKeys(doc);
  return set;
}

/**
 * The `$set` of an org unit update: every mapped field but `_id`.
 *
 * @example
 * ```ts
 * orgUnitSet(unit, { hash: "h2", at, source: "full_sync", deactivates: false });
 * ```
 */
export function orgUnitSet(doc: OfmOrgUnit, o: UpdateStamp): Partial<OrgUnitDoc> {
  return updateSet(doc, ORG_UNIT_FIELDS, o) as Partial<OrgUnitDoc>;
}

/**
 * The `$set` of a soft delete (a user or an org unit): inactive since `at`, and an
 * empty hash, so the resource's return to the directory is an update. `version`,
 * when given, is stored (a delete moves the version forward).
 *
 * @example
 * ```ts
 * deactivationSet({ at, source: "full_sync" });
 * // { isActive: false, deactivatedAt: at, updatedAt: at, syncHash: "", syncSource: "full_sync" }
 * ```
 */
export function deactivationSet(o: { at: Date; source: SyncSource; version?: Date }) {
  return {
    ...(o.version === undefined ? {} : { scimLastModified: o.version }),
    isActive: false as const,
    deactivatedAt: o.at,
    updatedAt: o.at,
    syncHash: "",
    syncSource: o.source,
  };
}

/**
 * The `$set` that only moves a stored version forward (content unchanged), so
 * an older event that arrives later is recognised as stale.
 *
 * @example
 * ```ts
 * versionSet({ at, source: "webhook", version: new Date("2025-10-18T10:00:00Z") });
 * ```
 */
export function versionSet(o: { at: Date; source: SyncSource; version: Date }) {
  return { scimLastModified: o.version, updatedAt: o.at, syncSource: o.source };
}
