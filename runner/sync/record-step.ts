/**
 * Opening and closing a run's `syncHistory` record, and what a failure
 * writes into it. The record is written when the run starts (status
 * "running") and completed when it ends, for failed, aborted and interrupted
 * runs too; a dry run writes none.
 *
 * @module
 */
import { ScimSyncError } from "../../shared/errors.ts";
import type { Logger } from "../../shared/logger.ts";
import type { SyncHistoryRecord } from "../documents/sync-history.ts";
import type { HistoryId, HistoryWriter } from "./ports.ts";
import type { RunSyncOptions } from "./run-context.ts";
import { type RunDeadline, RunUnresponsiveError } from "./run-deadline.ts";
import { GuardAbortedError } from "../gate/guard-aborted.ts";
import { emptyStats } from "./sync-stats.ts";

/**
 * The record of a run about to start (pure).
 *
 * @example
 * ```ts
 * newRecord({ type: "full" }, undefined, "runner-1", new Date()).status; // "running"
 * ```
 */
export function newRecord(
  options: RunSyncOptions,
  filter: string | undefined,
  runnerId: string | undefined,
  startedAt: Date,
): SyncHistoryRecord {
  return {
    type: options.type === "delta" ? "scim_delta_sync" : "scim_full_sync",
    startedAt,
    completedAt: null,
    status: "running",
    stats: emptyStats(),
    error: null,
    filter: filter ?? null,
    // The schedule tells a scheduled delta from an operator's filtered run by type, and reads `since`.
    since: options.type === "delta" ? options.since ?? null : null,
    dryRun: options.dryRun === true,
    ...(options.force ? { forced: true } : {}),
    runner: runnerId,
  };
}

/**
 * Records the run as `running` (not for a dry run), tells `onStart` its
 * historyId and, under the lease, closes records left running by dead runs.
 *
 * @returns the record's id, or null for a dry run
 * @throws whatever the store throws on the insert (runSync records it as failed)
 * @example
 * ```ts
 * const historyId = await openRecord(deps.history, record, options, logger);
 * ```
 */
export async function openRecord(
  history: HistoryWriter,
  record: SyncHistoryRecord,
  options: Pick<RunSyncOptions, "dryRun" | "onStart" | "exclusive">,
  log: Logger,
): Promise<HistoryId | null> {
  if (options.dryRun) return null;
  const historyId = await history.start(record);
  options.onStart?.(historyId.toHexString());
  if (options.exclusive) {
    const closed = await history.markAbandoned(historyId).catch(() => 0);
    if (closed > 0) log.warn(`⚠️ Closed ${closed} sync record(s) left running by a stopped runner`);
  }
  return historyId;
}

/**
 * Writes why the run ended early into its record: interrupted (the caller's
 * signal), aborted (the guard), or failed (anything else, the deadline too).
 *
 * @example
 * ```ts
 * failRecord(record, error, deadline, logger);
 * record.status; // "failed"
 * ```
 */
export function failRecord(
  record: SyncHistoryRecord,
  error: unknown,
  deadline: Pick<RunDeadline, "signal" | "expired">,
  log: Logger,
): void {
  const interrupted = deadline.signal.aborted && !deadline.expired();
  const reason: unknown = deadline.signal.reason;
  record.status = interrupted
    ? "interrupted"
    : error instanceof GuardAbortedError
    ? "aborted"
    : "failed";
  // A run given up after its abort says both why it stopped and that it was given up.
  record.error = error instanceof RunUnresponsiveError
    ? describeError(error)
    : deadline.expired()
    ? describeError(reason)
    : interrupted && reason instanceof ScimSyncError
    ? describeError(reason) // e.g. the lease was lost
    : interrupted
    ? {
      code: "SYNC_INTERRUPTED",
      message: "Sync interrupted: the runner is shutting down; the next run resumes.",
    }
    : describeError(error);
  // The counters keep what MongoDB acknowledged before the failure (an aborted run wrote none).
  const logFn = record.status === "aborted" ? log.warn : log.error;
  logFn(`❌ SCIM synchronization ${record.status}: ${record.error.message}`, {
    code: record.error.code,
  });
}

/**
 * What closing writes over the running record (pure): the end, the outcome,
 * the counters and, once the listings ended, whether they were proven complete.
 *
 * @example
 * ```ts
 * closingPatch(record).status; // "success"
 * ```
 */
export function closingPatch(record: SyncHistoryRecord): Partial<SyncHistoryRecord> {
  return {
    status: record.status,
    completedAt: record.completedAt,
    stats: record.stats,
    error: record.error,
    durationMs: record.durationMs,
    ...(record.complete === undefined
      ? {}
      : { complete: record.complete, incompleteReason: record.incompleteReason ?? null }),
  };
}

/**
 * Ends the record: stamps its end and duration and, when one was opened,
 * writes it and sweeps expired history. A record that cannot be written turns
 * a success into a failure; it never throws.
 *
 * @example
 * ```ts
 * await closeRecord(deps.history, historyId, record, new Date(), logger);
 * ```
 */
export async function closeRecord(
  history: HistoryWriter,
  historyId: HistoryId | null,
  record: SyncHistoryRecord,
  completedAt: Date,
  log: Logger,
): Promise<void> {
  record.completedAt = completedAt;
  record.durationMs = completedAt.getTime() - record.startedAt.getTime();
  if (!historyId) return;
  try {
    await history.finish(historyId, closingPatch(record));
    await history.sweep();
  } catch (e) {
    log.error("❌ Could not record the sync in syncHistory", describeError(e));
    if (record.status === "success") {
      record.status = "failed";
      record.error = describeError(e);
    }
  }
}

/**
 * An error as the record shows it: the project's code (the store throws
 * typed errors, STORE_UNAVAILABLE and the like, see store/driver-errors.ts),
 * else INTERNAL.
 *
 * @example
 * ```ts
 * describeError(new Error("boom")); // { code: "INTERNAL", message: "boom" }
 * ```
 */
export function describeError(e: unknown): { code: string; message: string } {
  if (e instanceof ScimSyncError) return { code: e.code, message: e.message };
  if (e instanceof Error) return { code: "INTERNAL", message: e.message };
  return { code: "INTERNAL", message: String(e) };
}
