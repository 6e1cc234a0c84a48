/**
 * What the sync engine needs of persistence, declared here so that sync/
 * imports nothing from store/: the store's objects satisfy these interfaces
 * structurally, and the composition root hands them to {@linkcode runSync}.
 *
 * @module
 */
import type { OfmOrgUnit, OfmUser } from "../../shared/ofm-documents.ts";
import type { Change, ExistingEntry, ExistingIndex, WriteOutcome } from "../documents/changes.ts";
import type { SyncHistoryRecord } from "../documents/sync-history.ts";
import type { SyncSource } from "../documents/stored-docs.ts";
import type { ChangeOrigin } from "../documents/change-record.ts";

export type { ChangeOrigin } from "../documents/change-record.ts";
export type { WriteOutcome } from "../documents/changes.ts";
export type { SyncSource } from "../documents/stored-docs.ts";

/**
 * Reads the index of existing documents a run diffs against.
 *
 * @example
 * ```ts
 * const users = await reader.userIndex(relieveMemory);
 * users.get("u1")?.syncHash;
 * ```
 */
export interface ExistingIndexReader {
  /** `afterBatch` runs between cursor batches (the memory budget). */
  userIndex(afterBatch?: () => void): Promise<ExistingIndex>;
  orgUnitIndex(): Promise<ExistingIndex>;
  /** A delta's index of users: read by key as pages come (store/keyed-index.ts). */
  deltaUserIndex(afterBatch?: () => void): ExistingIndex;
  deltaOrgUnitIndex(): ExistingIndex;
}

/**
 * Writes a run's creates, updates and deactivations in batches. With an
 * `origin` (the run's historyId), each batch's change records go to
 * `syncChanges` with it; a dry run writes nothing.
 *
 * @example
 * ```ts
 * const outcome = await writer.createUsers(changes, "full_sync");
 * ```
 */
export interface SyncWriter {
  createUsers(
    changes: readonly Change<OfmUser>[],
    source: SyncSource,
    origin?: ChangeOrigin,
  ): Promise<WriteOutcome<OfmUser>>;
  updateUsers(
    changes: readonly Change<OfmUser>[],
    source: SyncSource,
    origin?: ChangeOrigin,
  ): Promise<WriteOutcome<OfmUser>>;
  deactivateUsers(
    entries: readonly ExistingEntry[],
    source: SyncSource,
    origin?: ChangeOrigin,
  ): Promise<WriteOutcome>;
  createOrgUnits(
    changes: readonly Change<OfmOrgUnit>[],
    source: SyncSource,
    origin?: ChangeOrigin,
  ): Promise<WriteOutcome<OfmOrgUnit>>;
  updateOrgUnits(
    changes: readonly Change<OfmOrgUnit>[],
    source: SyncSource,
    origin?: ChangeOrigin,
  ): Promise<WriteOutcome<OfmOrgUnit>>;
  deactivateOrgUnits(
    entries: readonly ExistingEntry[],
    source: SyncSource,
    origin?: ChangeOrigin,
  ): Promise<WriteOutcome>;
}

/** The store of users and org units, as the engine sees it. */
export type SyncStorePort = ExistingIndexReader & SyncWriter;

/** A `syncHistory` id as the store hands it out; the engine only shows its hex form. */
export interface HistoryId {
  toHexString(): string;
}

/**
 * Writes the run's `syncHistory` record.
 *
 * @example
 * ```ts
 * const historyId = await history.start(record);
 * await history.finish(historyId, { status: "success", completedAt: new Date() });
 * ```
 */
export interface HistoryWriter {
  /** Records a run as `running`; returns its id. */
  start(record: SyncHistoryRecord): Promise<HistoryId>;
  finish(historyId: HistoryId, patch: Partial<SyncHistoryRecord>): Promise<void>;
  /** Closes as failed every other `running` record (safe only under the sync lease). */
  markAbandoned(except: HistoryId): Promise<number>;
  /** Deletes expired records where no TTL index does. */
  sweep(): Promise<number>;
}
