/**
 * The held deactivations of a run (documents/held-item.ts): who the run
 * leaves to an operator, who it holds when the gate refuses its plan, and
 * what it settles of earlier items.
 *
 * - A person an operator rejected is never deactivated by a run, forced or
 *   not: found absent (or inactive) again, they are held again for a new
 *   decision, with the rejection shown beside them, and stay with the
 *   operator; they do not count against the gate, and the run goes on with
 *   everyone else.
 * - When the gate refuses the plan, nobody is deactivated and everyone in the
 *   refused kind's plan is held, with why (absent from a complete listing,
 *   `active: false` in the SSO) and this run as the source. A later run asks
 *   the gate for them again (they pass once the window allows, or with
 *   `--force`), and holds them again while it refuses.
 * - Held people a run deactivated are recorded as applied by it; held or
 *   rejected people the listing shows without a deactivation are cleared.
 *
 * A dry run computes the same split and writes nothing.
 *
 * @module
 */
import type {
  HeldDecision,
  HeldReason,
  HeldSource,
  HeldStatus,
  HoldRequest,
} from "../documents/held-item.ts";
import { heldId, personName } from "../documents/held-item.ts";
import { leftToOperator, type OpenItem } from "../documents/held-transitions.ts";
import type { DeactivationPlan } from "./deactivations.ts";
import type { Passes } from "./passes.ts";
import type { RunContext } from "./run-context.ts";

/** What a run needs of `heldDeactivations` (store/held-store.ts). */
export interface HeldPort {
  /** By item id, every item held or rejected, with the decision before. */
  open(): Promise<ReadonlyMap<string, OpenItem>>;
  hold(reqs: readonly HoldRequest[], source: HeldSource, at: Date): Promise<number>;
  decide(
    decisions: readonly { id: string; decision: HeldDecision }[],
    from?: readonly HeldStatus[],
  ): Promise<number>;
}

/** A plan split between the run and the operator. */
export interface SplitPlan {
  /** What the run may deactivate (asks the gate for it). */
  plan: DeactivationPlan;
  /** Left to an operator: held again, not deactivated, not counted. */
  waiting: DeactivationPlan;
  /** Items still held that the run asks the gate for again (applied if it writes them). */
  heldInPlan: string[];
}

type Kind = "users" | "orgUnits";
const TYPE: Record<Kind, "User" | "Group"> = { users: "User", orgUnits: "Group" };
const keyOf = (kind: Kind, c: { doc: unknown }) =>
  kind === "users" ? (c.doc as { ssoUserId: string }).ssoUserId : (c.doc as { _id: string })._id;

/**
 * Splits a plan by the items an operator holds (pure).
 *
 * @example
 * ```ts
 * const { plan, waiting } = splitPlan(planned, new Map([["User:u1", { status: "rejected", previous: null }]]));
 * ```
 */
export function splitPlan(
  planned: DeactivationPlan,
  open: ReadonlyMap<string, OpenItem>,
): SplitPlan {
  const heldInPlan: string[] = [];
  const side = (kind: Kind, key: string): "run" | "operator" => {
    const item = open.get(heldId(TYPE[kind], key));
    if (item === undefined) return "run";
    if (leftToOperator(item)) return "operator";
    if (item.status === "held") heldInPlan.push(heldId(TYPE[kind], key));
    return "run";
  };
  const split = <K extends Kind>(kind: K) => {
    const p = planned[kind];
    const held = p.held.filter((c) => side(kind, keyOf(kind, c)) === "run");
    const absent = p.absent.filter((e) => side(kind, e.key) === "run");
    const mine = new Set([...held.map((c) => keyOf(kind, c)), ...absent.map((e) => e.key)]);
    return {
      run: { held, absent },
      operator: {
        held: p.held.filter((c) => !mine.has(keyOf(kind, c))),
        absent: p.absent.filter((e) => !mine.has(e.key)),
      },
    };
  };
  const users = split("users");
  const units = split("orgUnits");
  return {
    plan: { users: users.run, orgUnits: units.run } as DeactivationPlan,
    waiting: { users: users.operator, orgUnits: units.operator } as DeactivationPlan,
    heldInPlan,
  };
}

/**
 * Why each planned deactivation would happen, by item id (pure): the preview's reason.
 *
 * @example
 * ```ts
 * reasonsOf(plan)["User:u1"]; // "absent_from_listing"
 * ```
 */
export function reasonsOf(plan: DeactivationPlan): Record<string, HeldReason> {
  const out: Record<string, HeldReason> = {};
  for (const r of holdRequests(plan)) out[heldId(r.resourceType, r.resourceId)] = r.reason;
  return out;
}

/**
 * The hold requests of a plan's kinds (pure): names from the directory's record of a
 * deactivating update; the absent ones are named by the store from OFM.
 *
 * @example
 * ```ts
 * holdRequests(plan, ["users"]).length;
 * ```
 */
export function holdRequests(
  plan: DeactivationPlan,
  kinds: readonly Kind[] = ["users", "orgUnits"],
): HoldRequest[] {
  const out: HoldRequest[] = [];
  for (const kind of kinds) {
    const resourceType = TYPE[kind];
    for (const c of plan[kind].held) {
      const d = c.doc as unknown as Record<string, string | null | undefined>;
      out.push({
        resourceType,
        resourceId: keyOf(kind, c),
        reason: "inactive_in_sso",
        name: kind === "users" ? personName(d) : d.unitName ?? null,
        email: d.email ?? null,
        departmentId: (kind === "users" ? d.departmentId : d.parentUnitId) ?? null,
      });
    }
    for (const e of plan[kind].absent) {
      out.push({ resourceType, resourceId: e.key, reason: "absent_from_listing" });
    }
  }
  return out;
}

const historyIdOf = (run: RunContext): string =>
  run.origin && "historyId" in run.origin ? run.origin.historyId : "unrecorded";
const sourceOf = (run: RunContext): HeldSource => ({ kind: "sync", historyId: historyIdOf(run) });

/**
 * Holds the people the run leaves to an operator (a refresh of their items).
 *
 * @example
 * ```ts
 * await holdWaiting(run, split.waiting);
 * ```
 */
export async function holdWaiting(run: RunContext, waiting: DeactivationPlan): Promise<void> {
  const reqs = holdRequests(waiting);
  if (!run.deps.held || reqs.length === 0 || run.options.dryRun) return;
  await run.deps.held.hold(reqs, sourceOf(run), run.now());
  run.deps.logger.warn(
    `⏸️ ${reqs.length} deactivation(s) an operator rejected found again: held for a new ` +
      `decision (Held deactivations on the sync page, or npm run sync -- --apply-held / --reject-held)`,
  );
}

/**
 * Holds the refused kind's plan; a failure to record is logged (the run is aborted anyway).
 *
 * @example
 * ```ts
 * await holdRefused(run, plan, "users");
 * ```
 */
export async function holdRefused(run: RunContext, plan: DeactivationPlan, kind: Kind) {
  if (!run.deps.held || run.options.dryRun) return;
  const reqs = holdRequests(plan, [kind]);
  try {
    await run.deps.held.hold(reqs, sourceOf(run), run.now());
    run.deps.logger.warn(
      `⏸️ Held ${reqs.length} deactivation(s) of ${kind === "users" ? "users" : "org units"} ` +
        `for an operator's decision: approve or reject them on the sync page, or run again with --force`,
    );
  } catch (e) {
    run.deps.logger.error(
      `❌ The refused deactivations could not be recorded as held: ${
        e instanceof Error ? e.message : String(e)
      }`,
    );
  }
}

/**
 * Clears held or rejected people the listing shows without a deactivation: the SSO has
 * them (active) again, so there is nothing left to decide. Before the gate decides, so a
 * refused run clears them too. A failure is logged; an operator's decision settles them.
 *
 * @example
 * ```ts
 * await clearListed(run, passes, split, open);
 * ```
 */
export async function clearListed(
  run: RunContext,
  passes: Pick<Passes, "users" | "units">,
  split: SplitPlan,
  open: ReadonlyMap<string, OpenItem>,
): Promise<void> {
  const held = run.deps.held;
  if (!held || run.options.dryRun || open.size === 0) return;
  const planned = new Set(
    [...holdRequests(split.plan), ...holdRequests(split.waiting)].map((r) =>
      heldId(r.resourceType, r.resourceId)
    ),
  );
  const back = [...open.keys()].filter((id) => {
    const [type, ...rest] = id.split(":");
    const seen = type === "User" ? passes.users.seen : passes.units.seen;
    return !planned.has(id) && seen.has(rest.join(":"));
  });
  const at = run.now();
  const outcome = "listed by the SSO without a deactivation: nothing left to decide";
  await held.decide(
    back.map((id) => ({
      id,
      decision: { status: "cleared", by: `sync:${historyIdOf(run)}`, at, outcome },
    })),
    ["held", "rejected"],
  ).catch((e) => warn(run, e));
}

/**
 * After the writes: held items the run asked the gate for again and deactivated are
 * applied by it. A failure is logged; an operator's approval then finds them inactive.
 *
 * @example
 * ```ts
 * await appliedByRun(run, split);
 * ```
 */
export async function appliedByRun(run: RunContext, split: SplitPlan): Promise<void> {
  const held = run.deps.held;
  if (!held || run.options.dryRun || split.heldInPlan.length === 0) return;
  const forced = run.options.force === true;
  const by = `sync:${historyIdOf(run)}${forced ? " (--force)" : ""}`;
  const outcome = forced ? "deactivated by a forced run" : "deactivated by a run the gate let pass";
  const at = run.now();
  await held.decide(
    split.heldInPlan.map((id) => ({ id, decision: { status: "applied", by, at, outcome } })),
  ).catch((e) => warn(run, e));
}

const warn = (run: RunContext, e: unknown) =>
  run.deps.logger.warn(
    `⚠️ Held deactivations not settled: ${e instanceof Error ? e.message : String(e)}`,
  );
