/**
 * An operator's decisions on held deactivations (documents/held-item.ts), the
 * one implementation behind the page, the API and the command line: approve
 * (apply now) or reject (keep active), for some items or all of them.
 *
 * Approving an item a webhook held applies its stored events (ingest
 * `applyHeld`, past the gate as an operator's approval); one a sync held is
 * asked of the directory first (approve-sync-held.ts). Rejecting records the
 * decision and marks the person's held events `rejected`; nothing is
 * written to the person. A later run or event that would deactivate a
 * rejected person holds them again for a new decision (sync/held-step.ts,
 * ingest/held-events.ts).
 *
 * @module
 */
import type { Logger } from "../../shared/logger.ts";
import type { HeldDecision, HeldItem, HeldStatus } from "../documents/held-item.ts";
import type { AppliedHeld } from "../ingest/apply-event.ts";
import { type ApproveDeps, approveSyncHeld, type ItemOutcome } from "./approve-sync-held.ts";

/** What the decisions need of `heldDeactivations` (store/held-store.ts). */
export interface HeldItems {
  /** Items still held matching `keys` (item id, SSO id or email), or every held item. */
  held(keys?: readonly string[]): Promise<HeldItem[]>;
  decide(
    decisions: readonly { id: string; decision: HeldDecision }[],
    from?: readonly HeldStatus[],
  ): Promise<number>;
}

/** Dependencies of {@linkcode createHeldDecisions}. */
export interface HeldDecisionDeps extends ApproveDeps {
  items: HeldItems;
  /** The webhook events the items hold (ingest/apply-event.ts). */
  events: {
    applyHeld(eventIds: readonly string[]): Promise<AppliedHeld[]>;
    rejectHeld(eventIds: readonly string[]): Promise<number>;
  };
  now: () => Date;
  logger: Logger;
}

/** Which items: by keys (item id `User:<id>`, SSO id or email), or all held. */
export type HeldSelection = { keys: readonly string[] } | { all: true };

/** What one decision did to one item. */
export interface HeldResult {
  id: string;
  resourceType: "User" | "Group";
  resourceId: string;
  name: string | null;
  email: string | null;
  /** deactivated, present, unknown, failed (approve); rejected (reject). */
  outcome: ItemOutcome["outcome"] | "rejected";
  /** The item's status after the decision. */
  status: HeldStatus;
  message: string;
}

/** What a decision did, in all. */
export interface HeldReport {
  results: HeldResult[];
  /** Keys that matched no held item (already decided, or never held). */
  unmatched: string[];
  deactivated: number;
  notApplied: number;
  rejected: number;
}

/** What {@linkcode createHeldDecisions} returns. */
export type HeldDecisions = ReturnType<typeof createHeldDecisions>;

const STATUS_AFTER: Record<HeldResult["outcome"], HeldStatus> = {
  deactivated: "applied",
  present: "cleared",
  rejected: "rejected",
  unknown: "held",
  failed: "held",
};

/**
 * Creates the decisions.
 *
 * @example
 * ```ts
 * const decisions = createHeldDecisions(deps);
 * const r = await decisions.approve({ keys: ["jane.doe@ias.co.id"] }, "sync page");
 * r.deactivated; // 1
 * ```
 */
export function createHeldDecisions(deps: HeldDecisionDeps) {
  async function select(sel: HeldSelection) {
    if ("all" in sel) return { items: await deps.items.held(), unmatched: [] };
    const keys = [...new Set(sel.keys.map((k) => k.trim()).filter(Boolean))];
    if (keys.length === 0) return { items: [], unmatched: [] };
    const items = await deps.items.held(keys);
    const known = new Set(items.flatMap((i) => [i._id, i.resourceId, i.email?.toLowerCase()]));
    return { items, unmatched: keys.filter((k) => !known.has(k) && !known.has(k.toLowerCase())) };
  }

  /** Records the decisions of the outcomes that close an item, then reports. */
  async function record(outcomes: readonly ItemOutcome[] | readonly Rejected[], by: string) {
    const at = deps.now();
    await deps.items.decide(
      outcomes.flatMap((o) => {
        const status = STATUS_AFTER[o.outcome];
        return status === "held"
          ? []
          : [{ id: o.item._id, decision: { status, by, at, outcome: o.message } }];
      }),
    );
    return outcomes.map((o): HeldResult => ({
      id: o.item._id,
      resourceType: o.item.resourceType,
      resourceId: o.item.resourceId,
      name: o.item.name,
      email: o.item.email,
      outcome: o.outcome,
      status: STATUS_AFTER[o.outcome],
      message: o.message,
    }));
  }

  const report = (results: HeldResult[], unmatched: string[]): HeldReport => ({
    results,
    unmatched,
    deactivated: results.filter((r) => r.outcome === "deactivated").length,
    notApplied: results.filter((r) => r.outcome !== "deactivated" && r.outcome !== "rejected")
      .length,
    rejected: results.filter((r) => r.outcome === "rejected").length,
  });

  return {
    /** Applies the selected items now (each checked first), past the gate as an operator's approval. */
    async approve(sel: HeldSelection, by: string): Promise<HeldReport> {
      const { items, unmatched } = await select(sel);
      const [fromEvents, fromSyncs] = [
        items.filter((i) => i.eventIds.length > 0),
        items.filter((i) => i.eventIds.length === 0),
      ];
      const viaEvents = await applyEvents(deps, fromEvents);
      // Events no longer held (applied or expired meanwhile): asked of the directory instead.
      const rest = [...fromSyncs, ...viaEvents.none];
      const outcomes = [...viaEvents.outcomes, ...(await approveSyncHeld(deps, rest, by))];
      const r = report(await record(outcomes, by), unmatched);
      deps.logger.warn(
        `⚠️ ${by} approved ${items.length} held deactivation(s): ${r.deactivated} deactivated, ` +
          `${r.notApplied} not applied`,
      );
      return r;
    },
    /** Keeps the selected items active and records the decision; their held events are rejected. */
    async reject(sel: HeldSelection, by: string): Promise<HeldReport> {
      const { items, unmatched } = await select(sel);
      await deps.events.rejectHeld(items.flatMap((i) => i.eventIds));
      const outcomes = items.map((item): Rejected => ({
        item,
        outcome: "rejected",
        message: "kept active by an operator; held again if a later sync or event would " +
          "deactivate them",
      }));
      const r = report(await record(outcomes, by), unmatched);
      deps.logger.warn(`⚠️ ${by} rejected ${r.rejected} held deactivation(s): kept active`);
      return r;
    },
  };
}

interface Rejected {
  item: HeldItem;
  outcome: "rejected";
  message: string;
}

/** Applies the items' held events; items none of whose events are still held come back in `none`. */
async function applyEvents(
  deps: HeldDecisionDeps,
  items: readonly HeldItem[],
): Promise<{ outcomes: ItemOutcome[]; none: HeldItem[] }> {
  if (items.length === 0) return { outcomes: [], none: [] };
  const applied = await deps.events.applyHeld(items.flatMap((i) => i.eventIds));
  const byEvent = new Map(applied.map((a) => [a.eventId, a.result]));
  const outcomes: ItemOutcome[] = [];
  const none: HeldItem[] = [];
  for (const item of items) {
    const results = item.eventIds.flatMap((id) => byEvent.get(id) ?? []);
    if (results.length === 0) none.push(item);
    else if (results.some((r) => r.change === "deactivated")) {
      outcomes.push({
        item,
        outcome: "deactivated",
        message: "deactivated: its held event applied",
      });
    } else if (results.some((r) => r.status === "failed")) {
      const error = results.find((r) => r.status === "failed")?.error ?? "failed";
      outcomes.push({ item, outcome: "failed", message: `not applied: ${error}; still held` });
    } else {
      const what = results.map((r) => r.change ?? r.status).join(", ");
      outcomes.push({
        item,
        outcome: "present",
        message:
          `not applied: its held event changed nothing now (${what}); nothing left to decide`,
      });
    }
  }
  return { outcomes, none };
}
