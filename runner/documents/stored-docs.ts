/**
 * The `users` and `orgUnits` documents as OFM stores them: the mapped fields
 * of the integration guide plus this product's bookkeeping (role, content
 * hash, timestamps, source). Free of the driver's types: the store adds
 * `_id` (an ObjectId for users) when it types its collections.
 *
 * @module
 */
import type { OfmOrgUnit, OfmUser } from "../../shared/ofm-documents.ts";

/** Default role, set on create only and never overwritten by a sync or a webhook. */
export type Role = "employee" | "super_admin";

/** Who last wrote a document, recorded in its `syncSource`. */
export type SyncSource = "full_sync" | "delta_sync" | "webhook" | "on_demand_sync";

/**
 * A `users` document without its `_id` (OFM's own ObjectId). `ssoUserId` is the
 * sync key (unique index). `scimLastModified` is a Date here (ISO string in `OfmUser`).
 *
 * @example
 * ```ts
 * const doc: UserDoc = newUserDoc(mapped, { hash, at: new Date(), source: "webhook", superAdminEmails: [] });
 * ```
 */
export interface UserDoc extends Omit<OfmUser, "scimLastModified"> {
  role: Role;
  /** The email, ASCII case folded (match-key.ts): what matching and lookups by email compare. */
  emailKey: string;
  scimLastModified: Date | null;
  /** contentHash() of the synced fields as last written by a sync or a webhook; "" after a soft delete. */
  syncHash: string;
  createdAt: Date;
  updatedAt: Date;
  /** When the user became inactive; null while active. */
  deactivatedAt: Date | null;
  syncSource: SyncSource;
  /** The person search's folded keys (search-keys.ts); absent on documents written before it. */
  searchKeys?: string[];
}

/**
 * An `orgUnits` document (`_id` = SCIM Group id).
 *
 * @example
 * ```ts
 * const doc: OrgUnitDoc = newOrgUnitDoc(mapped, { hash, at: new Date(), source: "full_sync" });
 * ```
 */
export interface OrgUnitDoc extends Omit<OfmOrgUnit, "scimLastModified"> {
  scimLastModified: Date | null;
  syncHash: string;
  createdAt: Date;
  updatedAt: Date;
  deactivatedAt: Date | null;
  syncSource: SyncSource;
}
