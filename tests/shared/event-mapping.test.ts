import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mapWebhookEvent } from "../../shared/event-mapping.ts";
import { ForwardedEvent, WebhookEnvelope } from "../../shared/webhook-event.ts";

const AT = new Date("2025-10-18T10:30:00.000Z");
const user = {
  id: "u-1",
  userName: "john.doe@ias.co.id",
  name: { givenName: "John", familyName: "Doe" },
  active: true,
  meta: { lastModified: "2025-10-18T10:29:00.000Z" },
};
const group = {
  id: "g-1",
  displayName: "Finance",
  "x-orgUnit": { unitType: "department", level: 3 },
};
const env = (over: Record<string, unknown>) =>
  WebhookEnvelope.parse({
    event: "user.updated",
    resourceType: "User",
    resourceId: "u-1",
    timestamp: AT.toISOString(),
    data: user,
    ...over,
  });

describe("mapWebhookEvent()", () => {
  test("mapWebhookEvent() maps a user.updated to an update carrying the OFM user", () => {
    const r = mapWebhookEvent(env({}), "e-1", AT);
    assert.ok(r.ok);
    assert.equal(ForwardedEvent.safeParse(r.event).success, true);
    assert.deepEqual({ ...r.event, user: undefined }, {
      eventId: "e-1",
      event: "user.updated",
      resourceType: "User",
      resourceId: "u-1",
      action: "update",
      occurredAt: AT.toISOString(),
      receivedAt: AT.toISOString(),
      user: undefined,
      orgUnit: null,
    });
    assert.equal(r.event.user?.email, "john.doe@ias.co.id");
    assert.equal(r.event.user?.scimLastModified, "2025-10-18T10:29:00.000Z");
  });

  test("mapWebhookEvent() maps group.created to a create carrying the org unit", () => {
    const r = mapWebhookEvent(
      env({ event: "group.created", resourceType: "Group", resourceId: "g-1", data: group }),
      "e-2",
      AT,
    );
    assert.ok(r.ok);
    assert.equal(r.event.action, "create");
    assert.equal(r.event.user, null);
    assert.equal(r.event.orgUnit?.unitName, "Finance");
  });

  test("mapWebhookEvent() gives deletes null documents and ignores their data", () => {
    for (
      const [event, resourceType] of [["user.deleted", "User"], ["group.deleted", "Group"]] as const
    ) {
      const r = mapWebhookEvent(env({ event, resourceType, data: { junk: true } }), "e-3", AT);
      assert.ok(r.ok);
      assert.equal(r.event.action, "delete");
      assert.equal(r.event.user, null);
      assert.equal(r.event.orgUnit, null);
    }
  });

  test("mapWebhookEvent() keeps occurredAt null when the envelope has no timestamp", () => {
    const r = mapWebhookEvent(env({ timestamp: undefined }), "e-4", AT);
    assert.ok(r.ok);
    assert.equal(r.event.occurredAt, null);
  });

  test("mapWebhookEvent() reports an unknown event type as such, not as an error", () => {
    assert.deepEqual(mapWebhookEvent(env({ event: "user.promoted" }), "e-5", AT), {
      ok: false,
      reason: "unknown_event",
      event: "user.promoted",
    });
  });

  test("mapWebhookEvent() names the field path when data fails the schema", () => {
    const r = mapWebhookEvent(env({ data: { ...user, active: "maybe" } }), "e-6", AT);
    assert.ok(!r.ok && r.reason === "invalid_data");
    assert.equal(r.error.code, "RESOURCE_INVALID");
    assert.match(r.error.message, /active/);
    const g = mapWebhookEvent(
      env({
        event: "group.updated",
        resourceType: "Group",
        resourceId: "g-1",
        data: { ...group, "x-orgUnit": { level: "three" } },
      }),
      "e-7",
      AT,
    );
    assert.ok(!g.ok && g.reason === "invalid_data");
    assert.match(g.error.message, /x-orgUnit\.level/);
  });

  test("mapWebhookEvent() refuses a create without data", () => {
    const r = mapWebhookEvent(env({ event: "user.created", data: undefined }), "e-8", AT);
    assert.ok(!r.ok && r.reason === "invalid_data");
  });

  test("mapWebhookEvent() refuses data about another resource and a resourceType that contradicts the event", () => {
    const other = mapWebhookEvent(env({ data: { ...user, id: "u-2" } }), "e-9", AT);
    assert.ok(!other.ok && other.reason === "invalid_data");
    assert.match(other.error.message, /data\.id/);
    const contra = mapWebhookEvent(env({ resourceType: "Group" }), "e-10", AT);
    assert.ok(!contra.ok && contra.reason === "invalid_data");
    assert.match(contra.error.message, /resourceType/);
  });
});
