/**
 * Names and stored shapes of OFM's collections (the integration guide's), plus
 * the bookkeeping fields this product adds. Field names of the guide never change.
 *
 * @module
 */
import type { ObjectId } from "mongodb";
import type { SyncHistoryRecord } from "../documents/sync-history.ts";
import type { ChangeRecord } from "../documents/change-record.ts";
import type { CreatedBatch } from "../documents/created-batch.ts";

export const USERS = "users";
export const ORG_UNITS = "orgUnits";
export const SYNC_HISTORY = "syncHistory";
export const WEBHOOK_EVENTS = "webhookEvents";
export const LOCKS = "locks";
export const SYNC_CHANGES = "syncChanges";
/** Held deactivations (documents/held-item.ts): one document per person, `<User|Group>:<id>`. */
export const HELD_DEACTIVATIONS = "heldDeactivations";
/** The deactivation gate's states (gate/gate.ts): one document per state, `<kind>:<seq>`. */
export const DEACTIVATION_GATE = "deactivationGate";

/**
 * The stored user and org unit are one type each, declared beside the one document builder
 * (documents/stored-docs.ts); the driver adds `_id` (OFM's own ObjectId for users, the SCIM
 * Group id for org units) when a collection is typed with them.
 */
export type { OrgUnitDoc, Role, SyncSource, UserDoc } from "../documents/stored-docs.ts";

export type { SyncStats, SyncStatus, SyncType } from "../documents/sync-history.ts";

/** The guide's `syncHistory` document as stored: the engine's record plus its `_id` and retention. */
export interface SyncHistoryDoc extends SyncHistoryRecord {
  _id?: ObjectId;
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
  /**
   * When an operator's apply of this held event began (`claimHeld`): that attempt's start for
   * the stuck check, where `receivedAt` still says when the event came.
   */
  attemptAt?: Date;
  processedAt: Date | null;
  /** `rejected`: held, then kept by an operator (never applied; a redelivery is a duplicate). */
  status:
    | "processing"
    | "success"
    | "failed"
    | "duplicate"
    | "stale"
    | "held"
    | "conflict"
    | "rejected";
  error: string | null;
  /** What applying it did (created, updated, unchanged, deactivated, absent); the guard counts "deactivated". */
  change?: string | null;
  /** A held event as JSON (a ForwardedEvent), kept until an operator applies it. */
  heldEvent?: string;
  /** Applied by an operator past the guard: the window does not count it. */
  forced?: boolean;
  expiresAt?: Date;
}

/**
 * The `error` of a delivery's record a stopped runner left `processing`, marked `failed` by the
 * sweep after a run (event-store.ts `closeAbandoned`); the person's inspection names it so.
 */
export const EVENT_ABANDONED =
  "No outcome was recorded: the runner applying this event stopped (killed, crashed or cut off " +
  "from MongoDB) and no delivery of it came again. A new delivery of the event applies it; the " +
  "next full sync brings the resource in step.";

/** A `syncChanges` record as stored (documents/change-record.ts), with its retention. */
export interface ChangeDoc extends ChangeRecord {
  _id?: ObjectId;
  expiresAt?: Date;
}

/** A chunk of a sync's creates as stored in `syncChanges` (documents/created-batch.ts). */
export interface CreatedBatchDoc extends CreatedBatch {
  _id?: ObjectId;
  expiresAt?: Date;
}

/** A lease in `locks`. */
export interface LockDoc {
  _id: string;
  owner: string | null;
  expiresAt: Date;
  acquiredAt: Date;
}
