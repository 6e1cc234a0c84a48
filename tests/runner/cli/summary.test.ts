// The command line's summary of a run whose listing was not proven complete.
import { describe, expect, test } from "bun:test";
import { summary } from "../../../runner/cli/summary.ts";
import type { SyncHistoryDoc } from "../../../runner/store/collections.ts";
import { emptyStats } from "../../../runner/sync/sync-stats.ts";

const run = (extra: Partial<SyncHistoryDoc>): SyncHistoryDoc => ({
  type: "scim_full_sync",
  startedAt: new Date("2025-01-01T00:00:00Z"),
  completedAt: new Date("2025-01-01T00:00:05Z"),
  status: "success",
  stats: emptyStats(),
  ...extra,
});

describe("summary()", () => {
  test("summary() says the listing was incomplete and why when complete is false", () => {
    const text = summary(
      run({
        complete: false,
        incompleteReason: "Users: the listing ended with an empty page at startIndex 201",
      }),
    );
    expect(text).toContain("⚠️ Synchronization Completed, listing incomplete");
    expect(text).toContain("nobody was deactivated by absence");
    expect(text).toContain("Users: the listing ended with an empty page at startIndex 201");
  });

  test("summary() keeps the guide's success title when the listing was proven complete", () => {
    const text = summary(run({ complete: true, incompleteReason: null }));
    expect(text).toContain("✅ Synchronization Completed Successfully");
    expect(text).not.toContain("Incomplete");
  });
});
