// Found by schemathesis (scripts/fuzz.ts): a signed ForwardedEvent that could never be
// applied was answered 500, which has the edge deliver it again until its deadline.
import { describe, expect, test } from "bun:test";
import { createIngestApp } from "../../../runner/ingest/ingest-app.ts";
import { signScimBody } from "../../../shared/signature.ts";

const SECRET = "ingest-secret-0123456789abcdef";
const base = {
  eventId: "evt-1",
  resourceId: "g-1",
  occurredAt: null,
  receivedAt: "2025-10-18T10:30:01.000Z",
  user: null,
  orgUnit: null,
};

async function post(event: object) {
  let applied = 0;
  const app = createIngestApp({
    secrets: [SECRET],
    store: { apply: async () => (applied++, { status: "success" }) },
  });
  const body = JSON.stringify(event);
  const res = await app.request("/api/v1/scim/events", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-scim-signature": await signScimBody(SECRET, body),
    },
    body,
  });
  return { status: res.status, json: (await res.json()) as { error?: string }, applied };
}

describe("createIngestApp() refusals", () => {
  test("createIngestApp() answers 400, applying nothing, when a create carries no resource", async () => {
    const r = await post({
      ...base,
      event: "group.created",
      resourceType: "Group",
      action: "create",
    });
    expect(r).toEqual({
      status: 400,
      json: { error: "Invalid event: orgUnit: a create of a Group carries its orgUnit" },
      applied: 0,
    });
  });

  test("createIngestApp() answers 400, applying nothing, when resourceType contradicts the event", async () => {
    const r = await post({
      ...base,
      event: "group.deleted",
      resourceType: "User",
      action: "delete",
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toContain("resourceType: group.deleted is a Group event");
    expect(r.applied).toBe(0);
  });

  test("createIngestApp() applies a delete, which carries no resource", async () => {
    const r = await post({
      ...base,
      event: "group.deleted",
      resourceType: "Group",
      action: "delete",
    });
    expect(r).toEqual({
      status: 200,
      json: { status: "success", eventId: "evt-1" } as never,
      applied: 1,
    });
  });
});
