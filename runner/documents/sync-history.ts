/**
 * The `syncHistory` record of one run, in the guide's shape plus our fields.
 * The engine (sync/) builds it and the store (store/) persists it; neither
 * imports the other, so the shape lives here, free of the driver's types
 * (store/collections.ts adds `_id` and `expiresAt` to make the stored document).
 *
 * @module
 */
import type { ResourceError } from "../../shared/ofm-documents.ts";

/**
 * `scim_user_sync` / `scim_group_sync`: one person / one org unit synced on
 * demand; the scheduler ignores both (scheduler/schedule.ts `countsForSchedule`).
 */
export type SyncType = "scim_full_sync" | "scim_delta_sync" | "scim_user_sync" | "scim_group_sync";
/**
 * `partial`: the run completed, but some writes were refused (conflicts, invalid records,
 * other write errors): "completed with N errors". It moves the schedule like a success;
 * health, the page, the metrics and notifications show it as a problem.
 */
export type SyncStatus = "running" | "success" | "partial" | "failed" | "aborted" | "interrupted";

/** The counters of one run: the guide's `stats` plus the unchanged and fetched counts. */
export interface SyncStats {
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
  /** Existing OFM accounts (no SSO id) given this person's SSO id on first contact. */
  usersLinked?: number;
  /** Accounts whose SSO id left the directory, re-keyed to the returning person's new id. */
  usersRelinked?: number;
  /** Unique values freed on an account for the length of the run (swaps, reuse). */
  usersParked?: number;
}

/**
 * One run as `syncHistory` records it.
 *
 * @example
 * ```ts
 * const record: SyncHistoryRecord = { type: "scim_full_sync", startedAt: new Date(), completedAt: null, status: "running", stats: emptyStats() };
 * ```
 */
export interface SyncHistoryRecord {
  type: SyncType;
  startedAt: Date;
  completedAt: Date | null;
  status: SyncStatus;
  stats: SyncStats;
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
}
