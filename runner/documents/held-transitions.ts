/**
 * How a held item changes, pure: held (again) by a run or an event, decided
 * by an operator, cleared when there is nothing left to decide. The store
 * (store/held-store.ts) reads the items, applies these and writes them back.
 *
 * An item held while already held keeps its `since` and gathers the webhook
 * events; one held again after a decision starts a new episode (`since` now)
 * and keeps that decision as `previous`, so a person rejected once and found
 * absent again is shown with the earlier rejection — never deactivated
 * without a new decision ({@linkcode leftToOperator}), never dropped silently.
 *
 * @module
 */
import type { HeldDecision, HeldItem, HeldSource, HeldStatus, HoldRequest } from "./held-item.ts";
import { heldId } from "./held-item.ts";

/** Names the store looked up for a request that carried none. */
export interface LookedUp {
  name: string | null;
  email: string | null;
  departmentId: string | null;
}

/**
 * The item after `req` held it (pure).
 *
 * @example
 * ```ts
 * const item = heldAgain(null, { resourceType: "User", resourceId: "u1", reason: "absent_from_listing" },
 *   { name: "Jane Doe", email: "jane@ias.co.id", departmentId: "D1" }, { kind: "sync", historyId: "h1" }, at);
 * item.status; // "held"
 * ```
 */
export function heldAgain(
  existing: HeldItem | null,
  req: HoldRequest,
  found: LookedUp | undefined,
  source: HeldSource,
  at: Date,
): HeldItem {
  const open = existing?.status === "held";
  const pick = <K extends keyof LookedUp>(k: K): LookedUp[K] =>
    req[k] ?? found?.[k] ?? (existing ? existing[k] : null);
  const event = source.kind === "webhook" ? [source.eventId] : [];
  const eventIds = open ? [...new Set([...existing.eventIds, ...event])] : event;
  return {
    _id: heldId(req.resourceType, req.resourceId),
    resourceType: req.resourceType,
    resourceId: req.resourceId,
    name: pick("name"),
    email: pick("email"),
    departmentId: pick("departmentId"),
    reason: req.reason,
    since: open ? existing.since : at,
    heldAt: at,
    source,
    eventIds,
    status: "held",
    decision: null,
    previous: open ? existing.previous : existing?.decision ?? null,
  };
}

/**
 * The item after a decision closed it (pure): the decision recorded, the status set.
 *
 * @example
 * ```ts
 * decided(item, { status: "rejected", by: "sync page", at, outcome: "kept active" }).status; // "rejected"
 * ```
 */
export function decided(item: HeldItem, decision: HeldDecision): HeldItem {
  return { ...item, status: decision.status, decision };
}

/** What a run or an event needs to know of an item: its status, and the decision before. */
export interface OpenItem {
  status: HeldStatus;
  /** The status the previous episode's decision set (null: none). */
  previous: HeldStatus | null;
}

/**
 * Whether only an operator may deactivate the person: one they rejected, or held again
 * after a rejection. Anyone else held goes through the gate again with each run or
 * event (it passes once the window allows it, or with `--force`).
 *
 * @example
 * ```ts
 * leftToOperator({ status: "held", previous: "rejected" }); // true
 * leftToOperator({ status: "held", previous: null }); // false
 * ```
 */
export function leftToOperator(item: OpenItem): boolean {
  return item.status === "rejected" || (item.status === "held" && item.previous === "rejected");
}
