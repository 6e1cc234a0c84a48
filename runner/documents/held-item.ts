/**
 * One held deactivation: a person (or an org unit) the one gate kept active,
 * waiting for an operator's decision — the same item whether a full or delta
 * sync or a webhook event was refused. Stored in `heldDeactivations`, one
 * document per resource (`_id` = `<User|Group>:<resourceId>`), so a person
 * held again by a later run or event is the same item with a fresher source.
 * The shape lives here, free of the driver's types: the sync, the webhook
 * path, the decisions and the pages share it; only store/held-store.ts
 * persists it.
 *
 * @module
 */
import { z } from "zod";

/**
 * Why the person would have been deactivated: a webhook `user.deleted` /
 * `group.deleted`, absence from a listing proven complete, `active: false` in
 * the SSO seen by a sync, or a webhook update to inactive.
 */
export const HeldReason = z.enum([
  "webhook_delete",
  "absent_from_listing",
  "inactive_in_sso",
  "webhook_inactive",
]);
export type HeldReason = z.infer<typeof HeldReason>;

/**
 * `held`: waiting for a decision; `applied`: an operator approved and it was
 * deactivated; `rejected`: an operator kept the person active; `cleared`: an
 * approval found nothing to do (the SSO has the person active again, or a
 * newer change superseded the event), so there is nothing left to decide.
 */
export const HeldStatus = z.enum(["held", "applied", "rejected", "cleared"]);
export type HeldStatus = z.infer<typeof HeldStatus>;

/** What held it last: a run (its `syncHistory` id) or a webhook event (its `eventId`). */
export const HeldSource = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("sync"), historyId: z.string() }),
  z.object({ kind: z.literal("webhook"), eventId: z.string() }),
]);
export type HeldSource = z.infer<typeof HeldSource>;

/** A decision as recorded: who, when, and what it did in words. */
export const HeldDecision = z.object({
  status: HeldStatus,
  by: z.string(),
  at: z.date(),
  outcome: z.string(),
});
export type HeldDecision = z.infer<typeof HeldDecision>;

/** One `heldDeactivations` document, as read back (every read is parsed with this). */
export const HeldItem = z.object({
  _id: z.string(),
  resourceType: z.enum(["User", "Group"]),
  resourceId: z.string(),
  /** The person's name (or the unit's), as OFM or the SSO had it when held. */
  name: z.string().nullable(),
  email: z.string().nullable(),
  departmentId: z.string().nullable(),
  reason: HeldReason,
  /** First held in this episode (a held item held again keeps it). */
  since: z.date(),
  /** Last held (the latest run or event that would have deactivated it). */
  heldAt: z.date(),
  source: HeldSource,
  /** Webhook events held for this resource, oldest first: applied together on approval. */
  eventIds: z.array(z.string()),
  status: HeldStatus,
  /** The decision that closed this episode; null while held. */
  decision: HeldDecision.nullable(),
  /** The decision of the episode before, when the person was held again after it. */
  previous: HeldDecision.nullable(),
});
export type HeldItem = z.infer<typeof HeldItem>;

/** What a path that was refused hands over to be held (names may be looked up by the store). */
export interface HoldRequest {
  resourceType: "User" | "Group";
  resourceId: string;
  reason: HeldReason;
  /** Known from the mapped resource (a deactivating update, a webhook update); else looked up. */
  name?: string | null;
  email?: string | null;
  departmentId?: string | null;
}

/**
 * The `_id` of a resource's held item.
 *
 * @example
 * ```ts
 * heldId("User", "u1"); // "User:u1"
 * ```
 */
export const heldId = (resourceType: "User" | "Group", resourceId: string): string =>
  `${resourceType}:${resourceId}`;

/**
 * A person's display name from the mapped fields (null when there is none).
 *
 * @example
 * ```ts
 * personName({ firstName: "Jane", lastName: "Doe" }); // "Jane Doe"
 * ```
 */
export function personName(
  d: { firstName?: string | null; lastName?: string | null },
): string | null {
  return [d.firstName, d.lastName].filter((s) => typeof s === "string" && s !== "").join(" ") ||
    null;
}

/** The reasons in words, for the page, the command line and the API's `reasonText`. */
export const REASON_TEXT: Record<HeldReason, string> = {
  webhook_delete: "deleted in the SSO (webhook)",
  absent_from_listing: "absent from a complete listing of the SSO",
  inactive_in_sso: "active: false in the SSO",
  webhook_inactive: "set inactive in the SSO (webhook)",
};
