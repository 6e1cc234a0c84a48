/**
 * From the SSO's webhook envelope to the event the runner applies: the
 * resource mapped with the one mapping module, deletes carrying no document.
 *
 * @module
 */
import { mapGroup, mapUser } from "./mapping.ts";
import type { ResourceError } from "./ofm-documents.ts";
import { type ForwardedEvent, type WebhookEnvelope, WebhookEventType } from "./webhook-event.ts";

export type EventMapResult =
  | { ok: true; event: ForwardedEvent }
  | { ok: false; reason: "unknown_event"; event: string }
  | { ok: false; reason: "invalid_data"; error: ResourceError };

/**
 * Maps an envelope. Unknown event types are a distinct outcome (acknowledged, ignored).
 *
 * @param envelope the parsed webhook body
 * @param eventId the idempotency key (the envelope's id, else its signature)
 * @param receivedAt when it arrived
 *
 * @example
 * ```ts
 * const r = mapWebhookEvent({ event: "user.deleted", resourceType: "User", resourceId: "u1" }, "e1", new Date());
 * if (r.ok) r.event.action; // "delete"
 * ```
 */
export function mapWebhookEvent(envelope: WebhookEnvelope, eventId: string, receivedAt: Date): EventMapResult {
  const type = WebhookEventType.safeParse(envelope.event);
  if (!type.success) return { ok: false, reason: "unknown_event", event: envelope.event };
  const [kind, verb] = type.data.split(".") as ["user" | "group", "created" | "updated" | "deleted"];
  const action = verb === "created" ? "create" : verb === "updated" ? "update" : "delete";
  const base = {
    eventId,
    event: type.data,
    resourceType: kind === "user" ? "User" as const : "Group" as const,
    resourceId: envelope.resourceId,
    action,
    occurredAt: envelope.timestamp ?? null,
    receivedAt: receivedAt.toISOString(),
    user: null,
    orgUnit: null,
  } satisfies ForwardedEvent;
  if (action === "delete") return { ok: true, event: base };
  if (kind === "user") {
    const r = mapUser(envelope.data);
    if (!r.ok) return { ok: false, reason: "invalid_data", error: r.error };
    if (r.value.ssoUserId !== envelope.resourceId) return mismatch("User", envelope.resourceId);
    return { ok: true, event: { ...base, user: r.value } };
  }
  const r = mapGroup(envelope.data);
  if (!r.ok) return { ok: false, reason: "invalid_data", error: r.error };
  if (r.value._id !== envelope.resourceId) return mismatch("Group", envelope.resourceId);
  return { ok: true, event: { ...base, orgUnit: r.value } };
}

function mismatch(type: "User" | "Group", id: string): EventMapResult {
  return {
    ok: false,
    reason: "invalid_data",
    error: { resourceType: type, resourceId: id, code: "RESOURCE_INVALID", message: `data.id does not match resourceId ${id}` },
  };
}
