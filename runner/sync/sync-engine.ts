/**
 * One sync run: org units first, then users, paged from the SSO, mapped,
 * diffed by content hash and written in batches while the next page is
 * fetched. Destructive changes (deactivations) wait until the listing is
 * proven complete and the accidental-deletion guard has seen the whole run.
 *
 * {@linkcode runSync} is the sequence of named steps: open the record
 * (record-step.ts), run the passes (passes.ts), apply deactivations
 * (deactivations.ts), close the record. What it needs of persistence is
 * declared in ports.ts; the composition root hands it the store.
 *
 * @module
 */
import type { SyncHistoryRecord } from "../documents/sync-history.ts";
import { applyDeactivations, recordListingProof } from "./deactivations.ts";
import { resolveIdentityStep } from "./identity-step.ts";
import { type Passes, runPasses } from "./passes.ts";
import type { HistoryId } from "./ports.ts";
import { closeRecord, failRecord, newRecord, openRecord } from "./record-step.ts";
import {
  type DryRunPlan,
  emptyPlan,
  type RunContext,
  runFilter,
  type RunSyncOptions,
  type SyncDeps,
} from "./run-context.ts";
import {
  DEFAULT_MAX_SYNC_DURATION_MS,
  giveUpAfterAbort,
  startRunDeadline,
} from "./run-deadline.ts";

export type { DryRunPlan, RunSyncOptions, SyncDeps, SyncProgress } from "./run-context.ts";
export { GuardAbortedError } from "./deactivations.ts";

export interface SyncResult {
  history: SyncHistoryRecord;
  /** The run's syncHistory id; "dry-run" when nothing was recorded by design, null when the record could not be opened. */
  historyId: string | null;
  plan?: DryRunPlan;
}

/**
 * Runs one sync. Never throws for a failed sync, a store that refuses the
 * record included: the returned history's status is success, partial
 * (completed with error entries: refused writes, conflicts, invalid
 * records), failed, aborted or interrupted (signal aborted). Every counter
 * is what MongoDB acknowledged.
 *
 * @throws {RangeError} only for a non-positive `maxDurationMs` (a programming error)
 * @example
 * ```ts
 * const { history, historyId } = await runSync(deps, { type: "full" });
 * console.log(historyId, history.status, history.stats.usersCreated);
 * ```
 */
export async function runSync(deps: SyncDeps, options: RunSyncOptions): Promise<SyncResult> {
  const now = deps.now ?? (() => new Date());
  // Everything the run does listens to this signal: shutdown, a lost lease, or SYNC_MAX_DURATION.
  const deadline = startRunDeadline(
    deps.maxDurationMs ?? DEFAULT_MAX_SYNC_DURATION_MS,
    options.signal,
  );
  const run = runContext(deps, options, now, deadline.signal);
  // A box, not a variable: the steps set it from a closure the compiler does not follow.
  const opened: { id: HistoryId | null } = { id: null };
  const steps = async () => {
    const historyId = opened.id = await openRecord(deps.history, run.record, options, deps.logger);
    if (historyId) run.origin = { kind: "sync", historyId: historyId.toHexString() };
    const passes = await runPasses(run);
    const absence = absenceCounts(run, passes);
    const relinkedFrom = await resolveIdentityStep(run, passes, absence);
    run.signal.throwIfAborted(); // nothing irreversible once the run was told to stop
    await applyDeactivations(run, passes, absence, relinkedFrom);
    logOutcome(run);
    // Completed; with any error entry it is "completed with N errors", never a plain success.
    run.record.status = run.record.stats.errors.length > 0 && !run.options.dryRun
      ? "partial"
      : "success";
  };
  try {
    // A request that never answers must not hold the run (and its lease) past its abort.
    await giveUpAfterAbort(steps(), deadline.signal, deps.abortGraceMs);
  } catch (e) {
    failRecord(run.record, e, deadline, deps.logger);
  }
  deadline.clear();
  const historyId = opened.id;
  await closeRecord(deps.history, historyId, run.record, now(), deps.logger);
  const fetched = run.record.stats.usersFetched;
  run.progress({ phase: "done", fetched, total: fetched, pageNo: 0 });
  deps.onFinished?.(run.record);
  return {
    history: run.record,
    historyId: historyId?.toHexString() ?? (options.dryRun ? "dry-run" : null),
    ...(options.dryRun ? { plan: run.plan } : {}),
  };
}

function runContext(
  deps: SyncDeps,
  options: RunSyncOptions,
  now: () => Date,
  signal: AbortSignal,
): RunContext {
  const filter = runFilter(options);
  return {
    deps,
    options,
    now,
    record: newRecord(options, filter, deps.runnerId, now()),
    plan: emptyPlan(),
    signal,
    source: options.type === "delta" ? "delta_sync" : "full_sync",
    filter,
    progress: (p) => options.onProgress?.(p),
  };
}

/**
 * "N linked, N relinked, " when matching linked anyone, else nothing (the guide's line as it is).
 *
 * @example
 * ```ts
 * linkedText({ usersLinked: 150, usersRelinked: 0 }); // "150 linked, "
 * ```
 */
export function linkedText(s: { usersLinked?: number; usersRelinked?: number }): string {
  const parts = [];
  if (s.usersLinked) parts.push(`${s.usersLinked} linked`);
  if (s.usersRelinked) parts.push(`${s.usersRelinked} relinked`);
  return parts.map((p) => `${p}, `).join("");
}

/**
 * Whether absence from the listing means deletion: an unfiltered run whose listings are
 * both proven complete (recorded in the run's record either way).
 */
function absenceCounts(run: RunContext, passes: Passes): boolean {
  const complete = recordListingProof(run.record, [passes.units.listing, passes.users.listing]);
  if (!complete) {
    run.deps.logger.warn(
      `⚠️ The SSO's listing is not proven complete, so nobody is deactivated by absence: ${run.record.incompleteReason}`,
    );
  }
  return complete && run.filter === undefined;
}

function logOutcome({ deps: { logger: log }, record: { stats }, options }: RunContext): void {
  log.info(
    `✅ Synced ${stats.orgUnitsFetched} organizational units (${stats.orgUnitsCreated} created, ` +
      `${stats.orgUnitsUpdated} updated, ${stats.orgUnitsUnchanged} unchanged)`,
  );
  log.info(
    `✅ Synced ${stats.usersFetched} users (${stats.usersCreated} created, ${linkedText(stats)}` +
      `${stats.usersUpdated} updated, ${stats.usersUnchanged} unchanged, ${stats.usersDeactivated} deactivated)`,
  );
  const errors = stats.errors.length;
  // A run with errors is a warning where it is logged too (an operator's filter on level).
  if (errors > 0 && !options.dryRun) {
    log.warn(`⚠️ SCIM synchronization completed with ${errors} error(s)`);
  } else {
    log.info(
      options.dryRun
        ? "✅ Dry run complete: nothing was written"
        : "✅ SCIM synchronization complete!",
    );
  }
}
