// The ingestion API with group events against the real MongoDB-wire server:
// org units keyed by the SCIM id, created, updated, stale, marked inactive.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { groupEvent, type IngestHarness, openIngestHarness } from "../support/ingest-harness.ts";

let h: IngestHarness;
beforeAll(async () => {
  h = await openIngestHarness("ingest_groups");
});
afterAll(async () => await h.t.drop());

describe("createIngestApp() with groups", () => {
  test("createIngestApp() creates, updates and marks inactive an org unit keyed by the SCIM id", async () => {
    h.lines = [];
    expect(
      await h.statusOf(groupEvent({ id: "e-g1-a", event: "group.created", resourceId: "g-1" })),
    )
      .toBe("success");
    expect(await h.units().findOne({ _id: "g-1" } as object)).toMatchObject({
      unitName: "Finance",
      unitType: "department",
      level: 3,
      parentUnitId: "g-root",
      isActive: true,
      syncSource: "webhook",
    });
    expect(
      await h.statusOf(
        groupEvent({
          id: "e-g1-b",
          event: "group.updated",
          resourceId: "g-1",
          name: "Finance & Tax",
          lastModified: "2025-10-18T11:00:00.000Z",
        }),
      ),
    ).toBe("success");
    expect((await h.units().findOne({ _id: "g-1" } as object))?.unitName).toBe("Finance & Tax");
    expect(
      await h.statusOf(
        groupEvent({
          id: "e-g1-old",
          event: "group.updated",
          resourceId: "g-1",
          name: "Old",
          lastModified: "2025-10-18T10:30:00.000Z",
        }),
      ),
    ).toBe("stale");
    expect(
      await h.statusOf(
        groupEvent({
          id: "e-g1-del",
          event: "group.deleted",
          resourceId: "g-1",
          timestamp: "2025-10-18T12:00:00.000Z",
        }),
      ),
    ).toBe("success");
    const doc = await h.units().findOne({ _id: "g-1" } as object);
    expect(doc).toMatchObject({ isActive: false, unitName: "Finance & Tax" });
    expect(doc?.deactivatedAt).toBeInstanceOf(Date);
    expect(h.lines).toEqual([
      "✅ Org unit created via webhook: Finance",
      "✅ Org unit updated via webhook: Finance & Tax",
      "ℹ️ Webhook event stale: group.updated Old",
      "✅ Org unit deleted via webhook: Finance & Tax",
    ]);
  });
});
