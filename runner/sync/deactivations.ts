/**
 * The destructive end of a run, after both listings: absence counts as
 * deletion only when the run is unfiltered and both listings are proven
 * complete (listing-proof.ts); then the rolling-window guard (guard.ts) sees
 * the run's deactivations together with those already made in the window, and
 * only then are they written. The decisions are pure; {@linkcode applyDeactivations}
 * is the step that reads the window and writes.
 *
 * @module
 */
import { ScimSyncError } from "../../shared/errors.ts";
import type { OfmOrgUnit, OfmUser } from "../../shared/ofm-documents.ts";
import { formatDuration } from "../../shared/duration.ts";
import type { DeactivationLimit } from "../config.ts";
import type { ListingEnd } from "../scim/listing-proof.ts";
import type { SyncHistoryRecord } from "../documents/sync-history.ts";
import { absentActive, type Change, type ExistingEntry, type ExistingIndex } from "./diff.ts";
import { activeAtWindowStart, type GuardVerdict, guardVerdict, windowStart } from "./guard.ts";
import type { WindowDeactivations } from "./ports.ts";
import type { Passes } from "./passes.ts";
import type { GuardFigures, RunContext } from "./run-context.ts";

/** SYNC_GUARD_WINDOW's default: one day. */
export const DEFAULT_GUARD_WINDOW_MS = 86_400_000;

/**
 * The guard refused the run: its deactivations and the window's together pass the limit.
 *
 * @example
 * ```ts
 * throw new GuardAbortedError("users", 37, { ...verdict, inWindow: 45, baseline: 240, windowMs: 86_400_000 });
 * ```
 */
export class GuardAbortedError extends ScimSyncError {
  constructor(
    what: string,
    proposed: number,
    v: GuardVerdict & { inWindow: number; baseline: number; windowMs: number },
  ) {
    const window = formatDuration(v.windowMs);
    super(
      "GUARD_ABORTED",
      `Sync aborted: it would deactivate ${proposed} ${what}` +
        (v.inWindow > 0
          ? `, and ${v.inWindow} were already deactivated in the last ${window} (${v.total} in all)`
          : "") +
        `, more than the ${v.allowed} that SYNC_MAX_DEACTIVATE allows within SYNC_GUARD_WINDOW (${window}; ` +
        `${v.baseline} active at the window's start). ` +
        `Check the SSO's listing; if the change is real, run again with --force.`,
    );
  }
}

/**
 * Writes into the record whether both listings were proven complete, and why not.
 *
 * @returns whether absence may count as deletion as far as the listings go
 * @example
 * ```ts
 * recordListingProof(record, [units.listing, users.listing]); // true
 * ```
 */
export function recordListingProof(
  record: SyncHistoryRecord,
  listings: readonly ListingEnd[],
): boolean {
  const unproven = listings.filter((l) => !l.complete);
  record.complete = unproven.length === 0;
  if (unproven.length > 0) {
    record.incompleteReason = unproven.map((l) => `${l.resource}: ${l.reason}`).join("; ");
  }
  return record.complete;
}

/** Who a run would deactivate: held deactivating updates and, when absence counts, the absent. */
export interface DeactivationPlan {
  users: { held: Change<OfmUser>[]; absent: ExistingEntry[] };
  orgUnits: { held: Change<OfmOrgUnit>[]; absent: ExistingEntry[] };
}

/**
 * Who the run would deactivate (pure).
 *
 * @param absenceCounts the run is unfiltered and both listings are proven complete
 * @example
 * ```ts
 * planDeactivations(passes, true).users.absent.length;
 * ```
 */
export function planDeactivations(
  passes: Pick<Passes, "units" | "users" | "unitIndex" | "userIndex">,
  absenceCounts: boolean,
): DeactivationPlan {
  return {
    users: {
      held: passes.users.held,
      absent: absenceCounts ? absentActive(passes.userIndex, passes.users.seen) : [],
    },
    orgUnits: {
      held: passes.units.held,
      absent: absenceCounts ? absentActive(passes.unitIndex, passes.units.seen) : [],
    },
  };
}

/**
 * Holds the plan against SYNC_MAX_DEACTIVATE over the window (pure); users first.
 *
 * @throws {GuardAbortedError} when either kind would pass the limit and `force` is not set
 * @example
 * ```ts
 * checkGuard(plan, { users: 240, orgUnits: 12 }, { users: 45, orgUnits: 0 }, { limit, windowMs: 86_400_000 });
 * ```
 */
export function checkGuard(
  plan: DeactivationPlan,
  activeNow: WindowDeactivations,
  inWindow: WindowDeactivations,
  o: { limit: DeactivationLimit; windowMs: number; force?: boolean },
): void {
  for (const [kind, what] of [["users", "users"], ["orgUnits", "org units"]] as const) {
    const f = guardFigures(plan, activeNow, inWindow, o.limit)[kind];
    if (!f.ok && !o.force) {
      const v = guardVerdict({
        activeAtWindowStart: f.baseline,
        deactivatedInWindow: f.inWindow,
        proposed: f.proposed,
        limit: o.limit,
      });
      throw new GuardAbortedError(what, f.proposed, { ...v, ...f, windowMs: o.windowMs });
    }
  }
}

/**
 * The guard's figures per resource type (pure), for {@linkcode checkGuard} and a dry run's plan.
 *
 * @example
 * ```ts
 * guardFigures(plan, { users: 240, orgUnits: 12 }, { users: 45, orgUnits: 0 }, limit).users.ok;
 * ```
 */
export function guardFigures(
  plan: DeactivationPlan,
  activeNow: WindowDeactivations,
  inWindow: WindowDeactivations,
  limit: DeactivationLimit,
): { users: GuardFigures; orgUnits: GuardFigures } {
  const one = (kind: "users" | "orgUnits"): GuardFigures => {
    const proposed = plan[kind].held.length + plan[kind].absent.length;
    const baseline = activeAtWindowStart(activeNow[kind], inWindow[kind]);
    const v = guardVerdict({
      activeAtWindowStart: baseline,
      deactivatedInWindow: inWindow[kind],
      proposed,
      limit,
    });
    return { proposed, inWindow: inWindow[kind], baseline, allowed: v.allowed, ok: v.ok };
  };
  return { users: one("users"), orgUnits: one("orgUnits") };
}

/**
 * The deactivation step: proof, plan, guard, then the writes (skipped on a dry run).
 *
 * @throws {GuardAbortedError} when the guard refuses; the first write failure otherwise
 * @example
 * ```ts
 * await applyDeactivations(run, await runPasses(run));
 * ```
 */
export async function applyDeactivations(run: RunContext, passes: Passes): Promise<void> {
  const { deps, record, source } = run;
  const stats = record.stats;
  // Absence means deletion only when both listings are proven complete (listing-proof.ts).
  if (!recordListingProof(record, [passes.units.listing, passes.users.listing])) {
    deps.logger.warn(
      `⚠️ The SSO's listing is not proven complete, so nobody is deactivated by absence: ${record.incompleteReason}`,
    );
  }
  run.progress({
    phase: "writing",
    fetched: stats.usersFetched,
    total: stats.usersFetched,
    pageNo: 0,
  });
  const plan = planDeactivations(passes, run.filter === undefined && record.complete === true);
  const windowMs = deps.guardWindowMs ?? DEFAULT_GUARD_WINDOW_MS;
  const inWindow = await deps.history.deactivationsSince(windowStart(run.now(), windowMs));
  const activeNow = {
    users: activeCount(passes.userIndex),
    orgUnits: activeCount(passes.unitIndex),
  };
  // Into the plan before the guard decides: a preview shows who a refused run would deactivate.
  run.plan.users.deactivate.push(
    ...plan.users.held.map((c) => c.doc.ssoUserId),
    ...plan.users.absent.map((e) => e.key),
  );
  run.plan.orgUnits.deactivate.push(
    ...plan.orgUnits.held.map((c) => c.doc._id),
    ...plan.orgUnits.absent.map((e) => e.key),
  );
  run.plan.guard = { windowMs, ...guardFigures(plan, activeNow, inWindow, deps.maxDeactivate) };
  checkGuard(plan, activeNow, inWindow, {
    limit: deps.maxDeactivate,
    windowMs,
    force: run.options.force,
  });
  stats.usersDeactivated = plan.users.held.length + plan.users.absent.length;
  stats.orgUnitsDeactivated = plan.orgUnits.held.length + plan.orgUnits.absent.length;
  const { write } = passes;
  const o = run.origin;
  await write(() => deps.store.updateUsers(plan.users.held, source, o), stats);
  await write(() => deps.store.deactivateUsers(plan.users.absent, source, o), stats);
  await write(() => deps.store.updateOrgUnits(plan.orgUnits.held, source, o), stats);
  await write(() => deps.store.deactivateOrgUnits(plan.orgUnits.absent, source, o), stats);
  await write.drain();
}

/**
 * Active documents in an index; a packed index counts without building entries.
 *
 * @example
 * ```ts
 * activeCount(new Map([["u1", { key: "u1", syncHash: "h", isActive: true }]])); // 1
 * ```
 */
export function activeCount(index: ExistingIndex & { countActive?(): number }): number {
  if (typeof index.countActive === "function") return index.countActive();
  let n = 0;
  for (const [, e] of index.entries()) if (e.isActive) n++;
  return n;
}
