/**
 * Names and stored shapes of OFM's collections (the integration guide's), plus
 * the bookkeeping fields this product adds. Field names of the guide never change.
 *
 * @module
 */
import type { ObjectId } from "mongodb";
import type { OfmOrgUnit, OfmUser, ResourceError } from "../../shared/ofm-documents.ts";

export const USERS = "users";
export const ORG_UNITS = "orgUnits";
export const SYNC_HISTORY = "syncHistory";
export const WEBHOOK_EVENTS = "webhookEvents";
export const LOCKS = "locks";

/** Default role, set on create only and never overwritten by a sync. */
export type Role = "employee" | "super_admin";

/**
 * A `users` document. `_id` is OFM's own ObjectId; `ssoUserId` is the sync key
 * (unique index). `scimLastModified` is a Date here (ISO string in `OfmUser`).
 */
export interface UserDoc extends Omit<OfmUser, "scimLastModified"> {
  _id?: ObjectId;
  role: Role;
  scimLastModified: Date | null;
  /** contentHash() of the synced fields as last written by a sync or a webhook. */
  syncHash: string;
  createdAt: Date;
  updatedAt: Date;
  /** Set when a sync or a delete event soft-deleted the user; null when active. */
  deactivatedAt: Date | null;
  /** Set by the source that last wrote it: "full_sync" | "delta_sync" | "webhook". */
  syncSource: string;
}

/** An `orgUnits` document (`_id` = SCIM Group id). */
export interface OrgUnitDoc extends Omit<OfmOrgUnit, "scimLastModified"> {
  scimLastModified: Date | null;
  syncHash: string;
  createdAt: Date;
  updatedAt: Date;
  deactivatedAt: Date | null;
  syncSource: string;
}

export type SyncType = "scim_full_sync" | "scim_delta_sync";
export type SyncStatus = "running" | "success" | "failed" | "aborted" | "interrupted";

/** The guide's `syncHistory` document; `usersUnchanged` etc. are additions. */
export interface SyncHistoryDoc {
  _id?: ObjectId;
  type: SyncType;
  startedAt: Date;
  completedAt: Date | null;
  status: SyncStatus;
  stats: {
    usersCreated: number;
    usersUpdated: number;
    usersDeactivated: number;
    orgUnitsCreated: number;
    orgUnitsUpdated: number;
    errors: ResourceError[];
    usersUnchanged: number;
    orgUnitsUnchanged: number;
    orgUnitsDeactivated: number;
    usersFetched: number;
    orgUnitsFetched: number;
  };
  /** Why the run failed or was aborted, for a person. */
  error?: { code: string; message: string } | null;
  /**
   * The SCIM filter sent. A delta's is generated from `since`; on a full run it is an
   * operator's (`npm run sync -- --filter`), which proves nothing about the rest.
   */
  filter?: string | null;
  /** Delta runs: the instant changes were read from (last success minus the overlap). */
  since?: Date | null;
  dryRun?: boolean;
  /** Run with --force: its deactivations were approved and the guard window does not count them. */
  forced?: boolean;
  /**
   * Whether both listings were proven complete (ended as RFC 7644 says, with as many
   * distinct resources as announced). When false, nobody was deactivated by absence.
   * Absent on runs that failed before the end of the listings.
   */
  complete?: boolean;
  /** Why the listing is not proven complete, for a person; null when it is. */
  incompleteReason?: string | null;
  durationMs?: number;
  /** Runner instance that ran it. */
  runner?: string;
  /** Retention sweep deletes documents whose expiresAt passed (FerretDB has no TTL index). */
  expiresAt?: Date;
}

/** The guide's `webhookEvents` document plus `eventId` (unique) and `error`. */
export interface WebhookEventDoc {
  _id?: ObjectId;
  eventId: string;
  event: string;
  resourceType: "User" | "Group";
  resourceId: string;
  action: "create" | "update" | "delete";
  receivedAt: Date;
  processedAt: Date | null;
  status: "processing" | "success" | "failed" | "duplicate" | "stale" | "held";
  error: string | null;
  /** What applying it did (created, updated, unchanged, deactivated, absent); the guard counts "deactivated". */
  change?: string | null;
  /** A held event as JSON (a ForwardedEvent), kept until an operator applies it. */
  heldEvent?: string;
  /** Applied by an operator past the guard: the window does not count it. */
  forced?: boolean;
  expiresAt?: Date;
}

/** A lease in `locks`. */
export interface LockDoc {
  _id: string;
  owner: string | null;
  expiresAt: Date;
  acquiredAt: Date;
}
