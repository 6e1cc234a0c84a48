// The sync page shows a run whose listing was not proven complete.
import { describe, expect, test } from "bun:test";
import { loadSyncPage } from "../../../runner/http/page-data.ts";
import { SyncPage } from "../../../runner/http/status-page.tsx";
import { emptyStats } from "../../../runner/sync/sync-stats.ts";

const REASON =
  "Users: the listing ended with an empty page at startIndex 201 while totalResults announced 240";

describe("SyncPage()", () => {
  test("SyncPage() marks an incomplete run in the history and says why on the last run", async () => {
    const doc = {
      _id: "r1",
      type: "scim_full_sync",
      status: "success",
      startedAt: new Date("2025-01-01T00:00:00Z"),
      completedAt: new Date("2025-01-01T00:00:05Z"),
      durationMs: 5000,
      stats: emptyStats(),
      error: null,
      complete: false,
      incompleteReason: REASON,
    };
    const data = await loadSyncPage({
      ssoBaseUrl: "http://sso.example",
      connection: async () => ({ ok: false, error: "not checked" }),
      recentHistory: async () => [doc],
      leaseHolder: async () => null,
      scheduler: { current: null, nextRunAt: null, nextRunType: null },
      now: () => new Date("2025-01-01T00:01:00Z"),
    }, null);
    const html = String(SyncPage({ data }));
    expect(html).toContain('class="badge b-incomplete"');
    expect(html).toContain("Listing incomplete, so nobody was deactivated by absence");
    expect(html).toContain(REASON);
  });
});
