/**
 * Smaller holes of issue 9, item 10, on the real event store and MongoDB-wire
 * server: a version from year 9999 froze the user (every later event stale),
 * and a delete without a timestamp, replayed after its webhookEvents record
 * expired, deactivated a user reactivated since.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHistoryStore } from "../../../runner/store/history-store.ts";
import { boundedVersion } from "../../../runner/ingest/resource-writer.ts";
import { mapWebhookEvent } from "../../../shared/event-mapping.ts";
import { silentLogger } from "../../../shared/logger.ts";
import { type ForwardedEvent, WebhookEnvelope } from "../../../shared/webhook-event.ts";
import { type IngestHarness, openIngestHarness, userEvent } from "../support/ingest-harness.ts";

describe("boundedVersion()", () => {
  const now = new Date("2025-10-18T10:00:00Z");
  test("boundedVersion() takes a version past now + tolerance as now, and keeps one within it", () => {
    expect(boundedVersion(new Date("9999-12-31T00:00:00Z"), now, 300_000)).toEqual(now);
    const soon = new Date(now.getTime() + 299_000);
    expect(boundedVersion(soon, now, 300_000)).toEqual(soon);
    expect(boundedVersion(null, now, 300_000)).toBe(null);
  });
});

/** A user.deleted as the SSO might send it: no `timestamp`, so no version at all. */
function versionlessDelete(id: string, resourceId: string): ForwardedEvent {
  const env = WebhookEnvelope.parse({
    id,
    event: "user.deleted",
    resourceType: "User",
    resourceId,
  });
  const r = mapWebhookEvent(env, id, new Date());
  if (!r.ok) throw new Error("bad test event");
  expect(r.event.occurredAt).toBe(null);
  return r.event;
}

describe("event store versions", () => {
  let h: IngestHarness;
  beforeAll(async () => {
    h = await openIngestHarness("versions", { futureToleranceMs: 300_000, ttlDays: 1 });
  });
  afterAll(() => h.t.drop());

  test("apply() keeps applying later events when one carried meta.lastModified in year 9999", async () => {
    const now = new Date();
    expect(
      await h.statusOf(
        userEvent({
          id: "f-0",
          event: "user.created",
          resourceId: "u-future",
          lastModified: new Date(now.getTime() - 60_000).toISOString(),
        }),
      ),
    ).toBe("success");
    expect(
      await h.statusOf(
        userEvent({
          id: "f-1",
          resourceId: "u-future",
          phone: "+62 9999",
          lastModified: "9999-12-31T23:59:59.000Z",
        }),
      ),
    ).toBe("success");
    const stored = await h.users().findOne({ ssoUserId: "u-future" });
    expect(stored?.phone).toBe("+62 9999");
    expect((stored?.scimLastModified as Date).getTime()).toBeLessThanOrEqual(Date.now() + 300_000);
    const later = new Date(Date.now() + 1_000).toISOString();
    expect(
      await h.statusOf(
        userEvent({ id: "f-2", resourceId: "u-future", phone: "+62 2", lastModified: later }),
      ),
    ).toBe("success");
    expect((await h.users().findOne({ ssoUserId: "u-future" }))?.phone).toBe("+62 2");
  });

  test("apply() answers duplicate to a versionless delete replayed after the retention sweep, and the reactivated user stays active", async () => {
    const t0 = Date.now() - 3_600_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(
      await h.statusOf(
        userEvent({
          id: "r-create",
          event: "user.created",
          resourceId: "u-replay",
          lastModified: iso(t0),
        }),
      ),
    ).toBe("success");
    const del = versionlessDelete("r-delete", "u-replay");
    expect(await h.statusOf(del)).toBe("success");
    expect((await h.users().findOne({ ssoUserId: "u-replay" }))?.isActive).toBe(false);
    expect(
      await h.statusOf(
        userEvent({
          id: "r-back",
          resourceId: "u-replay",
          active: true,
          lastModified: iso(t0 + 60_000),
        }),
      ),
    ).toBe("success");
    expect((await h.users().findOne({ ssoUserId: "u-replay" }))?.isActive).toBe(true);

    // Retention passes: the sweep (what a TTL index does on MongoDB) runs two days later.
    const swept = await createHistoryStore(h.t.mongo.db, {
      ttlDays: 1,
      logger: silentLogger,
      now: () => new Date(Date.now() + 2 * 86_400_000),
    }).sweep();
    expect(swept).toBeGreaterThan(0);
    expect(await h.events().countDocuments({ eventId: "r-create" })).toBe(0);

    expect(await h.statusOf(del)).toBe("duplicate");
    expect((await h.users().findOne({ ssoUserId: "u-replay" }))?.isActive).toBe(true);
  });
});
