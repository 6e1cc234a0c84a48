/**
 * The webhook path's side of held deactivations (documents/held-item.ts): an
 * event the gate refuses becomes the person's held item, with why (a delete,
 * or an update to inactive) and the event as its source; a person an
 * operator rejected is held again without asking the gate, as a sync holds
 * them (sync/held-step.ts); a held person an event deactivates is recorded
 * as applied by it.
 *
 * @module
 */
import type { ForwardedEvent } from "../../shared/webhook-event.ts";
import type { ApplyResult } from "./resource-writer.ts";
import type { HeldDecision, HeldSource, HeldStatus, HoldRequest } from "../documents/held-item.ts";
import { heldId, personName } from "../documents/held-item.ts";
import { leftToOperator, type OpenItem } from "../documents/held-transitions.ts";

/** What the webhook path needs of `heldDeactivations` (store/held-store.ts). */
export interface WebhookHeldPort {
  /** The status of one item (and the decision before), or null when the resource has none. */
  statusOf(id: string): Promise<OpenItem | null>;
  hold(reqs: readonly HoldRequest[], source: HeldSource, at: Date): Promise<number>;
  decide(
    decisions: readonly { id: string; decision: HeldDecision }[],
    from?: readonly HeldStatus[],
  ): Promise<number>;
}

/**
 * The hold request of a refused event (pure): names from the event's mapped resource;
 * a delete's are looked up by the store.
 *
 * @example
 * ```ts
 * heldRequestOf(deleteEvent); // { resourceType: "User", resourceId: "u1", reason: "webhook_delete" }
 * ```
 */
export function heldRequestOf(e: ForwardedEvent): HoldRequest {
  const base = { resourceType: e.resourceType, resourceId: e.resourceId };
  if (e.action === "delete") return { ...base, reason: "webhook_delete" };
  if (e.user) {
    return {
      ...base,
      reason: "webhook_inactive",
      name: personName(e.user),
      email: e.user.email,
      departmentId: e.user.departmentId ?? null,
    };
  }
  return {
    ...base,
    reason: "webhook_inactive",
    name: e.orgUnit?.unitName ?? null,
    email: null,
    departmentId: e.orgUnit?.parentUnitId ?? null,
  };
}

/**
 * The event's resource's held item as it stands, read once before a deactivation: the
 * gate is asked only when `waits` is false; `held` says an applied deactivation settles it.
 *
 * @example
 * ```ts
 * const s = await heldState(held, event);
 * if (s.waits) return false; // hold it with the person's item
 * ```
 */
export async function heldState(
  held: WebhookHeldPort,
  e: ForwardedEvent,
): Promise<{ waits: boolean; held: boolean }> {
  const item = await held.statusOf(heldId(e.resourceType, e.resourceId));
  return { waits: item !== null && leftToOperator(item), held: item?.status === "held" };
}

/**
 * Records a held item as applied by the event that deactivated its resource.
 *
 * @example
 * ```ts
 * await settleByEvent(held, event, new Date());
 * ```
 */
export async function settleByEvent(
  held: WebhookHeldPort,
  e: ForwardedEvent,
  at: Date,
): Promise<void> {
  await held.decide([{
    id: heldId(e.resourceType, e.resourceId),
    decision: {
      status: "applied",
      by: `webhook:${e.eventId}`,
      at,
      outcome: "deactivated by a webhook event the gate let pass",
    },
  }]);
}

/**
 * Records a held event as the person's held item. When that fails the event fails, so it
 * is delivered again and held then (a `held` outcome alone would answer every redelivery
 * as a duplicate, and the person would never reach the operator's list).
 *
 * @example
 * ```ts
 * result = await holdEvent(held, event, { status: "held" }, new Date());
 * ```
 */
export async function holdEvent(
  held: WebhookHeldPort,
  e: ForwardedEvent,
  result: ApplyResult,
  at: Date,
): Promise<ApplyResult> {
  try {
    await held.hold([heldRequestOf(e)], { kind: "webhook", eventId: e.eventId }, at);
    return result;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { status: "failed", error: `recording the held deactivation: ${why}` };
  }
}
