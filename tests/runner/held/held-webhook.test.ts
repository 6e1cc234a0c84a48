// Webhook deactivations the gate refuses become held items like a sync's: named, with their
// reason and event; approved (the stored event applied) or rejected (the event never applied,
// a later one held again whatever the gate says); a forced run settles the rest. Real engine,
// development SSO and event store on the MongoDB-wire server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Runtime } from "../../../runner/compose.ts";
import { HeldItem } from "../../../runner/documents/held-item.ts";
import { userEvent } from "../support/ingest-harness.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

let t: SyncEnv;
let rt: Runtime;
let targets: string[] = [];
let held: string[] = [];

const db = () => t.mongo.db(t.dbName);
const item = async (resourceId: string) => {
  const d = await db().collection("heldDeactivations").findOne({ resourceId });
  return d === null ? null : HeldItem.parse(d);
};
const user = (ssoUserId: string) => db().collection("users").findOne({ ssoUserId });
const event = (eventId: string) => db().collection("webhookEvents").findOne({ eventId });
const deleteEvent = (id: string, resourceId: string) =>
  userEvent({ id, event: "user.deleted", resourceId, timestamp: new Date().toISOString() });

beforeAll(async () => {
  t = await syncEnv("heldhook", { users: 40, maxResults: 50 });
  rt = await t.runtime({ SYNC_MAX_DEACTIVATE: "3", SCIM_RATE_LIMIT: "60000" });
  expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
  targets = t.sso.sso.directory.list("User").filter((u) => u.active !== false).slice(0, 8)
    .map((u) => String(u.id));
}, 60_000);
afterAll(() => t.close());

describe("webhook deactivations, held as people", () => {
  test("apply() holds deletes past the limit as items named from OFM, with the event as source and reason", async () => {
    const deletes = targets.slice(0, 6);
    for (const id of deletes) t.sso.sso.directory.remove("User", id);
    const results = [];
    for (const [i, id] of deletes.entries()) {
      results.push(await rt.events.apply(deleteEvent(`del-${i}`, id)));
    }
    expect(results.map((r) => r.status)).toEqual([
      "success",
      "success",
      "success",
      "held",
      "held",
      "held",
    ]);
    held = deletes.slice(3);
    for (const [i, id] of held.entries()) {
      const u = (await user(id))!;
      expect(u.isActive).toBe(true);
      expect(await item(id)).toMatchObject({
        status: "held",
        reason: "webhook_delete",
        name: `${u.firstName} ${u.lastName}`,
        email: u.email,
        source: { kind: "webhook", eventId: `del-${i + 3}` },
        eventIds: [`del-${i + 3}`],
      });
    }
    for (const id of deletes.slice(0, 3)) expect(await item(id)).toBeNull();
  });

  test("apply() holds an update to inactive past the limit with the event's name and reason", async () => {
    const id = targets[6]!;
    const r = await rt.events.apply(
      userEvent({
        id: "off-1",
        resourceId: id,
        active: false,
        email: "leaver@ias.co.id",
        lastModified: new Date().toISOString(),
      }),
    );
    expect(r.status).toBe("held");
    expect(await item(id)).toMatchObject({
      status: "held",
      reason: "webhook_inactive",
      name: "John Doe",
      email: "leaver@ias.co.id",
      eventIds: ["off-1"],
    });
  });

  test("decisions.approve() applies a webhook-held person's stored event, forced, and records it", async () => {
    const r = await rt.decisions.approve({ keys: [held[0]!] }, "API");
    expect(r.results).toEqual([
      expect.objectContaining({ outcome: "deactivated", status: "applied" }),
    ]);
    expect((await user(held[0]!))?.isActive).toBe(false);
    expect(await event("del-3")).toMatchObject({
      status: "success",
      change: "deactivated",
      forced: true,
    });
    expect(await item(held[0]!)).toMatchObject({ status: "applied", decision: { by: "API" } });
  });

  test("decisions.reject() marks the event rejected: a redelivery is a duplicate, a new delete is held again whatever the gate says", async () => {
    const id = held[1]!;
    const r = await rt.decisions.reject({ keys: [`User:${id}`] }, "API");
    expect(r.rejected).toBe(1);
    expect((await event("del-4"))?.status).toBe("rejected");
    expect((await rt.events.apply(deleteEvent("del-4", id))).status).toBe("duplicate");
    // Another runner on the same database with room in its gate: still held for the operator.
    const roomy = await t.runtime({ SYNC_MAX_DEACTIVATE: "100%", SCIM_RATE_LIMIT: "60000" });
    expect((await roomy.events.apply(deleteEvent("del-again", id))).status).toBe("held");
    expect((await user(id))?.isActive).toBe(true);
    expect(await item(id)).toMatchObject({
      status: "held",
      eventIds: ["del-again"],
      previous: { status: "rejected", by: "API" },
    });
    // With room in the gate, a held person's later delete passes and settles the item.
    const other = held[2]!;
    expect((await roomy.events.apply(deleteEvent("del-pass", other))).status).toBe("success");
    expect(await item(other)).toMatchObject({
      status: "applied",
      decision: { by: "webhook:del-pass" },
    });
  });

  test("runSync({ force }) deactivates the held people the SSO lacks, records them applied, and leaves the rejected one to the operator", async () => {
    const rejectedAgain = held[1]!;
    const inactive = targets[6]!;
    const { history, historyId } = await rt.runSync({ type: "full", force: true });
    expect(history.status).toBe("success");
    expect((await user(rejectedAgain))?.isActive).toBe(true);
    expect((await item(rejectedAgain))?.status).toBe("held");
    // The webhook-held update to inactive is not the SSO's state (the SSO still has them active):
    // the run lists them active, so their item is cleared.
    expect(await item(inactive)).toMatchObject({
      status: "cleared",
      decision: { by: `sync:${historyId}` },
    });
  });
});
