/**
 * From the SSO's webhook envelope to the event the runner applies: the
 * resource mapped with the one mapping module, deletes carrying no document.
 *
 * @module
 */
import { mapGroup, mapUser } from "./mapping.ts";
import type { ResourceError } from "./ofm-documents.ts";
import { type ForwardedEvent, type WebhookEnvelope, WebhookEventType } from "./webhook-event.ts";

/**
 * The outcome of {@linkcode mapWebhookEvent}: the event, an unknown type (to
 * acknowledge and ignore), or data that cannot be applied — its `error.message`
 * names the field path (`User u1: active: Invalid input: expected boolean…`).
 */
export type EventMapResult =
  | { ok: true; event: ForwardedEvent }
  | { ok: false; reason: "unknown_event"; event: string }
  | { ok: false; reason: "invalid_data"; error: ResourceError };

/** What each known event type means, looked up once per event (no parse, no split). */
interface EventKind {
  event: WebhookEventType;
  kind: "user" | "group";
  resourceType: "User" | "Group";
  action: ForwardedEvent["action"];
}
const ACTIONS = { created: "create", updated: "update", deleted: "delete" } as const;
const EVENT_KINDS = new Map<string, EventKind>(
  WebhookEventType.options.map((event) => {
    const [kind, verb] = event.split(".") as ["user" | "group", keyof typeof ACTIONS];
    const resourceType = kind === "user" ? "User" : "Group";
    return [event, { event, kind, resourceType, action: ACTIONS[verb] }];
  }),
);

/**
 * Maps an envelope. Unknown event types are a distinct outcome (acknowledged,
 * ignored); a create or update whose `data` fails the SCIM schema, names
 * another resource, or contradicts `resourceType` is `invalid_data`.
 *
 * @param envelope the parsed webhook body
 * @param eventId the idempotency key (the envelope's id, else its signature)
 * @param receivedAt when it arrived
 * @returns the forwarded event, or why there is none
 *
 * @example A delete carries no document
 * ```ts
 * const r = mapWebhookEvent({ event: "user.deleted", resourceType: "User", resourceId: "u1" }, "e1", new Date());
 * if (r.ok) r.event.user; // null
 * ```
 */
export function mapWebhookEvent(
  envelope: WebhookEnvelope,
  eventId: string,
  receivedAt: Date,
): EventMapResult {
  const type = EVENT_KINDS.get(envelope.event);
  if (!type) return { ok: false, reason: "unknown_event", event: envelope.event };
  const { kind, resourceType } = type;
  if (envelope.resourceType !== resourceType) {
    return invalid(
      envelope.resourceType,
      envelope.resourceId,
      `resourceType: ${envelope.resourceType} does not match ${type.event}`,
    );
  }
  const base: ForwardedEvent = {
    eventId,
    event: type.event,
    resourceType,
    resourceId: envelope.resourceId,
    action: type.action,
    occurredAt: envelope.timestamp ?? null,
    receivedAt: receivedAt.toISOString(),
    user: null,
    orgUnit: null,
  };
  if (base.action === "delete") return { ok: true, event: base };
  if (kind === "user") {
    const r = mapUser(envelope.data);
    if (!r.ok) return { ok: false, reason: "invalid_data", error: r.error };
    if (r.value.ssoUserId !== envelope.resourceId) {
      return invalid("User", envelope.resourceId, "data.id: does not match resourceId");
    }
    base.user = r.value;
    return { ok: true, event: base };
  }
  const r = mapGroup(envelope.data);
  if (!r.ok) return { ok: false, reason: "invalid_data", error: r.error };
  if (r.value._id !== envelope.resourceId) {
    return invalid("Group", envelope.resourceId, "data.id: does not match resourceId");
  }
  base.orgUnit = r.value;
  return { ok: true, event: base };
}

function invalid(resourceType: "User" | "Group", id: string, message: string): EventMapResult {
  return {
    ok: false,
    reason: "invalid_data",
    error: {
      resourceType,
      resourceId: id,
      code: "RESOURCE_INVALID",
      message: `${resourceType} ${id}: ${message}`,
    },
  };
}
