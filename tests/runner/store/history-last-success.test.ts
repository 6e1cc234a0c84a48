// HistoryStore.lastSuccess() on the MongoDB-wire server: a full sync whose
// listing was not proven complete is no success — not for /health, not for the
// "last full success" gauge the runner seeds from it at start (issue 23, item 5).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { silentLogger } from "../../../shared/logger.ts";
import { createHistoryStore } from "../../../runner/store/history-store.ts";
import type { SyncHistoryDoc } from "../../../runner/store/collections.ts";
import { emptyStats } from "../../../runner/sync/sync-stats.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb("history_last_success");
});
afterAll(() => t.drop());

const run = (at: string, extra: Partial<SyncHistoryDoc>): SyncHistoryDoc => ({
  type: "scim_full_sync",
  startedAt: new Date(at),
  completedAt: new Date(Date.parse(at) + 5000),
  status: "success",
  stats: emptyStats(),
  filter: null,
  ...extra,
});

describe("HistoryStore.lastSuccess()", () => {
  test("lastSuccess() passes over later full syncs whose listing was not proven complete", async () => {
    const history = createHistoryStore(t.mongo.db, { ttlDays: 30, logger: silentLogger });
    await history.start(run("2025-10-18T00:00:00Z", { complete: true }));
    await history.start(run("2025-10-18T06:00:00Z", { complete: false, incompleteReason: "x" }));
    await history.start(run("2025-10-18T12:00:00Z", { complete: false, incompleteReason: "y" }));
    const last = await history.lastSuccess("scim_full_sync");
    expect(last?.startedAt.toISOString()).toBe("2025-10-18T00:00:00.000Z");
    // Without a type too (what /health asks).
    expect((await history.lastSuccess())?.startedAt.toISOString()).toBe(
      "2025-10-18T00:00:00.000Z",
    );
    // Records from before completeness was recorded (no `complete` field) still count.
    await history.start(run("2025-10-18T18:00:00Z", {}));
    expect((await history.lastSuccess("scim_full_sync"))?.startedAt.toISOString()).toBe(
      "2025-10-18T18:00:00.000Z",
    );
  });
});
