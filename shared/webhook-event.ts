/**
 * Webhook events: the envelope Aksara SSO posts, and the mapped event the edge
 * forwards to the runner's ingestion API.
 *
 * @module
 */
import { z } from "zod";
import { OfmOrgUnit, OfmUser } from "./ofm-documents.ts";

/** The six event types of the integration guide. */
export const WebhookEventType = z.enum([
  "user.created",
  "user.updated",
  "user.deleted",
  "group.created",
  "group.updated",
  "group.deleted",
]);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/**
 * The envelope the SSO posts to `/api/v1/scim/webhook`. `event` stays a plain
 * string here so an unknown type can be acknowledged (202) rather than refused.
 */
export const WebhookEnvelope = z.looseObject({
  id: z.string().min(1).max(200).optional(),
  event: z.string().min(1).max(100),
  resourceType: z.enum(["User", "Group"]),
  resourceId: z.string().min(1).max(200),
  timestamp: z.iso.datetime({ offset: true }).optional(),
  data: z.unknown().optional(),
});
export type WebhookEnvelope = z.infer<typeof WebhookEnvelope>;

/** What the edge forwards to `POST /api/v1/scim/events`: one event, already mapped. */
export const ForwardedEvent = z.strictObject({
  /** Idempotency key: the envelope's `id`, or else its signature. */
  eventId: z.string().min(1).max(300),
  event: WebhookEventType,
  resourceType: z.enum(["User", "Group"]),
  resourceId: z.string().min(1),
  action: z.enum(["create", "update", "delete"]),
  /** The envelope's timestamp (ISO), when it had one. */
  occurredAt: z.iso.datetime({ offset: true }).nullable(),
  /** When the edge received it (ISO). */
  receivedAt: z.iso.datetime({ offset: true }),
  user: OfmUser.nullable(),
  orgUnit: OfmOrgUnit.nullable(),
}).superRefine((e, ctx) => {
  // What mapWebhookEvent guarantees, checked again at the runner's door: an event that breaks
  // it could never be applied, and a 5xx for it would have the edge deliver it again forever.
  const kind = e.event.startsWith("user.") ? "User" : "Group";
  if (e.resourceType !== kind) {
    ctx.addIssue({
      code: "custom",
      path: ["resourceType"],
      message: `${e.event} is a ${kind} event`,
    });
  }
  const payload = e.resourceType === "User" ? "user" : "orgUnit";
  if (e.action !== "delete" && e[payload] === null) {
    ctx.addIssue({
      code: "custom",
      path: [payload],
      message: `a ${e.action} of a ${e.resourceType} carries its ${payload}`,
    });
  }
});
export type ForwardedEvent = z.infer<typeof ForwardedEvent>;

/** Most events in one forwarded batch. */
export const MAX_BATCH_EVENTS = 100;

/**
 * Several events forwarded in one request when webhooks arrive faster than
 * the ingestion API answers; applied in array order per resource.
 */
export const ForwardedBatch = z.strictObject({
  events: z.array(ForwardedEvent).min(1).max(MAX_BATCH_EVENTS),
});
export type ForwardedBatch = z.infer<typeof ForwardedBatch>;

/** The ingestion API's answer to a batch: one outcome per event, in the batch's order. */
export const BatchAnswer = z.object({
  results: z.array(z.object({
    eventId: z.string(),
    // "held": stored, not applied (past the deactivation guard); like the others, never sent again.
    status: z.enum(["success", "duplicate", "stale", "held", "conflict", "failed"]),
  })),
});
export type BatchAnswer = z.infer<typeof BatchAnswer>;
