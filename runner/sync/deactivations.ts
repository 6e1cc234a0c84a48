/**
 * The destructive end of a run, after both listings: absence counts as
 * deletion only when the run is unfiltered and both listings are proven
 * complete (listing-proof.ts); then the run asks the one gate (gate/gate.ts)
 * for a reservation of everything it would deactivate, in MongoDB, atomically
 * with every other caller — webhooks, on-demand syncs, another replica — and
 * only then writes. What MongoDB acknowledged settles the reservation; a
 * refused reservation aborts the run with nothing deactivated.
 *
 * @module
 */
import type { OfmOrgUnit, OfmUser } from "../../shared/ofm-documents.ts";
import type { SyncHistoryRecord } from "../documents/sync-history.ts";
import type { GateTicket } from "../gate/gate.ts";
import { GuardAbortedError, type GuardFigures, guardFiguresOf } from "../gate/guard-aborted.ts";
import type { ListingEnd } from "../scim/listing-proof.ts";
import { absentActive, type Change, type ExistingEntry } from "./diff.ts";
import {
  appliedByRun,
  clearListed,
  holdRefused,
  holdWaiting,
  reasonsOf,
  type SplitPlan,
  splitPlan,
} from "./held-step.ts";
import type { Passes } from "./passes.ts";
import type { RunContext } from "./run-context.ts";
import { addErrors } from "./sync-stats.ts";

export { GuardAbortedError } from "../gate/guard-aborted.ts";

/** What an operator can do about a refused run, from wherever its message is read. */
const OVERRIDE =
  "approve them under Held deactivations on the sync page (or npm run sync -- --apply-held), " +
  "or run again with --force";

/** SYNC_GUARD_WINDOW's default: one day. */
export const DEFAULT_GUARD_WINDOW_MS = 86_400_000;

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
 * Who the run would deactivate (pure). Accounts relinked to a returning person in this
 * run are not absent: their old SSO id left, the person did not.
 *
 * @param absenceCounts the run is unfiltered and both listings are proven complete
 * @example
 * ```ts
 * planDeactivations(passes, true, new Set()).users.absent.length;
 * ```
 */
export function planDeactivations(
  passes: Pick<Passes, "units" | "users" | "unitIndex" | "userIndex">,
  absenceCounts: boolean,
  relinkedFrom: ReadonlySet<string> = new Set(),
): DeactivationPlan {
  return {
    users: {
      held: passes.users.held,
      absent: absenceCounts
        ? absentActive(passes.userIndex, passes.users.seen).filter((e) => !relinkedFrom.has(e.key))
        : [],
    },
    orgUnits: {
      held: passes.units.held,
      absent: absenceCounts ? absentActive(passes.unitIndex, passes.units.seen) : [],
    },
  };
}

const proposed = (p: DeactivationPlan, kind: "users" | "orgUnits") =>
  p[kind].held.length + p[kind].absent.length;

/**
 * The deactivation step: plan, reservation from the gate, then the writes (a dry
 * run only reads the gate's figures).
 *
 * @throws {GuardAbortedError} when the gate refuses; the first write failure otherwise
 * @example
 * ```ts
 * await applyDeactivations(run, passes, true, relinkedFrom);
 * ```
 */
export async function applyDeactivations(
  run: RunContext,
  passes: Passes,
  absenceCounts: boolean,
  relinkedFrom: ReadonlySet<string>,
): Promise<void> {
  const { record: { stats } } = run;
  run.progress({
    phase: "writing",
    fetched: stats.usersFetched,
    total: stats.usersFetched,
    pageNo: 0,
  });
  const planned = planDeactivations(passes, absenceCounts, relinkedFrom);
  // People an operator rejected stay with the operator (held-step.ts), before the gate counts.
  const open = run.deps.held ? await run.deps.held.open() : new Map();
  const split = splitPlan(planned, open);
  const { plan } = split;
  recordPlan(run, split);
  if (run.options.dryRun) {
    const guard = run.plan.guard = await dryRunFigures(run, plan);
    // A dry run says whether the gate would refuse, exactly as the run would be told.
    for (const [kind, what] of [["users", "users"], ["orgUnits", "org units"]] as const) {
      if (!guard[kind].ok && !run.options.force) {
        throw new GuardAbortedError(what, guard[kind], guard.windowMs, OVERRIDE);
      }
    }
    return;
  }
  await holdWaiting(run, split.waiting);
  await clearListed(run, passes, split, open);
  const tickets = await reserve(run, plan);
  try {
    await writeDeactivations(run, passes, plan, tickets);
  } finally {
    // Whatever was not written (a failure mid-way) is released; settling twice is a no-op.
    await Promise.all([tickets.users.settle(0), tickets.orgUnits.settle(0)]).catch(() => {});
  }
  await appliedByRun(run, split);
}

/** Into the plan before the gate decides: a preview shows who a refused run would deactivate, and why. */
function recordPlan(run: RunContext, { plan, waiting }: SplitPlan): void {
  run.plan.users.deactivate.push(
    ...plan.users.held.map((c) => c.doc.ssoUserId),
    ...plan.users.absent.map((e) => e.key),
  );
  run.plan.orgUnits.deactivate.push(
    ...plan.orgUnits.held.map((c) => c.doc._id),
    ...plan.orgUnits.absent.map((e) => e.key),
  );
  run.plan.reasons = reasonsOf(plan);
  run.plan.waiting = {
    users: [
      ...waiting.users.held.map((c) => c.doc.ssoUserId),
      ...waiting.users.absent.map((e) => e.key),
    ],
    orgUnits: [
      ...waiting.orgUnits.held.map((c) => c.doc._id),
      ...waiting.orgUnits.absent.map((e) => e.key),
    ],
  };
}

/** The gate's figures for the plan, reserving nothing (a dry run, a preview). */
async function dryRunFigures(run: RunContext, plan: DeactivationPlan) {
  const [u, g] = await Promise.all([
    run.deps.gate.figures("users"),
    run.deps.gate.figures("orgUnits"),
  ]);
  return {
    windowMs: u.windowMs,
    users: guardFiguresOf(proposed(plan, "users"), u),
    orgUnits: guardFiguresOf(proposed(plan, "orgUnits"), g),
  };
}

/** One reservation per kind; a refusal releases the other and aborts the run. */
async function reserve(
  run: RunContext,
  plan: DeactivationPlan,
): Promise<{ users: GateTicket; orgUnits: GateTicket }> {
  const by = run.origin ? `sync:${run.origin.kind === "sync" ? run.origin.historyId : ""}` : "sync";
  const forced = run.options.force === true;
  const gate = run.deps.gate;
  const users = await gate.reserve({ kind: "users", n: proposed(plan, "users"), by, forced });
  if (!users.granted) {
    await holdRefused(run, plan, "users");
    throw refusal("users", proposed(plan, "users"), users.figures);
  }
  const units = await gate.reserve({ kind: "orgUnits", n: proposed(plan, "orgUnits"), by, forced });
  if (!units.granted) {
    await users.settle(0);
    await holdRefused(run, plan, "orgUnits");
    throw refusal("org units", proposed(plan, "orgUnits"), units.figures);
  }
  return { users, orgUnits: units };
}

function refusal(
  what: string,
  n: number,
  figures: Parameters<typeof guardFiguresOf>[1],
): GuardAbortedError {
  const f: GuardFigures = guardFiguresOf(n, figures);
  return new GuardAbortedError(what, f, figures.windowMs, OVERRIDE);
}

/** The writes, each kind's acknowledged count settling its reservation. */
async function writeDeactivations(
  run: RunContext,
  passes: Passes,
  plan: DeactivationPlan,
  tickets: { users: GateTicket; orgUnits: GateTicket },
): Promise<void> {
  const { deps, source, record: { stats } } = run;
  const o = run.origin;
  const { write } = passes;
  let users = 0;
  let units = 0;
  const count =
    (add: (n: number) => void) => (r: { written: number; errors: never[] | unknown[] }) => {
      add(r.written);
      addErrors(stats, r.errors as never[]);
    };
  await write(() => deps.store.updateUsers(plan.users.held, source, o), count((n) => (users += n)));
  await write(
    () => deps.store.deactivateUsers(plan.users.absent, source, o),
    count((n) => (users += n)),
  );
  await write(
    () => deps.store.updateOrgUnits(plan.orgUnits.held, source, o),
    count((n) => (units += n)),
  );
  await write(
    () => deps.store.deactivateOrgUnits(plan.orgUnits.absent, source, o),
    count((n) => (units += n)),
  );
  try {
    await write.drain();
  } finally {
    stats.usersDeactivated = users;
    stats.orgUnitsDeactivated = units;
    await tickets.users.settle(users);
    await tickets.orgUnits.settle(units);
  }
}
