import { describe, expect, test } from "bun:test";
import {
  backoffMs,
  deltaSince,
  type NextRun,
  nextRun,
  type NextRunInput,
  summarizeHistory,
} from "../../../runner/scheduler/schedule.ts";
import { historyDoc } from "../support/fakes.ts";

const H = 3_600_000;
const M = 60_000;
const NOW = new Date("2025-10-18T12:00:00.000Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const later = (ms: number) => new Date(NOW.getTime() + ms);

const base: NextRunInput = {
  now: NOW,
  intervalMs: 6 * H,
  deltaIntervalMs: 15 * M,
  jitterMs: 0,
  random: () => 0,
  lastFull: null,
  lastDelta: null,
  consecutiveFailures: 0,
  lastAttemptAt: null,
  deltaSupported: false,
};

describe("nextRun()", () => {
  const cases: Array<
    [string, Partial<NextRunInput>, { at: Date; type: NextRun["type"]; reason: NextRun["reason"] }]
  > = [
    ["runs a full sync now when there was never a successful one", {}, {
      at: NOW,
      type: "full",
      reason: "first",
    }],
    ["waits one interval after a successful full sync", {
      lastFull: ago(1 * H),
      lastAttemptAt: ago(1 * H),
    }, { at: later(5 * H), type: "full", reason: "interval" }],
    ["runs an overdue full sync now", { lastFull: ago(7 * H) }, {
      at: NOW,
      type: "full",
      reason: "interval",
    }],
    ["plans a delta one delta interval after the last full when deltas are supported", {
      lastFull: ago(5 * M),
      deltaSupported: true,
    }, { at: later(10 * M), type: "delta", reason: "delta" }],
    ["plans a delta one delta interval after the last delta", {
      lastFull: ago(2 * H),
      lastDelta: ago(1 * M),
      deltaSupported: true,
    }, { at: later(14 * M), type: "delta", reason: "delta" }],
    ["plans a full sync when the next delta would come after it", {
      lastFull: ago(6 * H - 10 * M),
      lastDelta: ago(1 * M),
      deltaSupported: true,
    }, { at: later(10 * M), type: "full", reason: "interval" }],
    ["prefers an overdue full sync over an overdue delta", {
      lastFull: ago(20 * H),
      lastDelta: ago(14 * H),
      deltaSupported: true,
    }, { at: NOW, type: "full", reason: "interval" }],
    ["never plans deltas when the SSO cannot filter on lastModified", {
      lastFull: ago(5 * M),
      deltaSupported: false,
    }, { at: later(6 * H - 5 * M), type: "full", reason: "interval" }],
    ["retries after 1 minute after one failure", {
      lastFull: ago(7 * H),
      consecutiveFailures: 1,
      lastAttemptAt: NOW,
    }, { at: later(1 * M), type: "full", reason: "backoff" }],
    ["doubles the backoff per consecutive failure", {
      lastFull: ago(7 * H),
      consecutiveFailures: 3,
      lastAttemptAt: ago(1 * M),
    }, { at: later(3 * M), type: "full", reason: "backoff" }],
    ["caps the backoff at the interval", {
      intervalMs: 10 * M,
      lastFull: ago(1 * H),
      consecutiveFailures: 12,
      lastAttemptAt: NOW,
    }, { at: later(10 * M), type: "full", reason: "backoff" }],
    ["backs off a failed first sync too", { consecutiveFailures: 2, lastAttemptAt: ago(30_000) }, {
      at: later(90_000),
      type: "full",
      reason: "backoff",
    }],
    ["retries a failed delta as a delta", {
      lastFull: ago(1 * H),
      lastDelta: ago(40 * M),
      deltaSupported: true,
      consecutiveFailures: 1,
      lastAttemptAt: ago(10_000),
    }, { at: later(50_000), type: "delta", reason: "backoff" }],
    ["retries as a full sync when the backoff ends after the full sync fell due", {
      intervalMs: H,
      lastFull: ago(50 * M),
      lastDelta: ago(20 * M),
      deltaSupported: true,
      consecutiveFailures: 5,
      lastAttemptAt: ago(1 * M),
    }, { at: later(15 * M), type: "full", reason: "backoff" }],
    [
      "adds jitter up to SYNC_JITTER",
      { lastFull: ago(1 * H), jitterMs: 18 * M, random: () => 0.5 },
      { at: later(5 * H + 9 * M), type: "full", reason: "interval" },
    ],
    ["keeps jitter within a tenth of the gap waited", {
      lastFull: ago(5 * M),
      deltaSupported: true,
      jitterMs: 18 * M,
      random: () => 0.5,
    }, { at: later(10 * M + 45_000), type: "delta", reason: "delta" }],
    ["never plans in the past", {
      lastFull: ago(30 * H),
      consecutiveFailures: 1,
      lastAttemptAt: ago(2 * H),
    }, { at: NOW, type: "full", reason: "backoff" }],
  ];
  for (const [name, input, expected] of cases) {
    test(`nextRun() ${name}`, () => {
      const got = nextRun({ ...base, ...input });
      expect({ at: got.at.toISOString(), type: got.type, reason: got.reason })
        .toEqual({ at: expected.at.toISOString(), type: expected.type, reason: expected.reason });
    });
  }

  test("nextRun() throws RangeError when an interval is not positive", () => {
    expect(() => nextRun({ ...base, intervalMs: 0 })).toThrow(RangeError);
    expect(() => nextRun({ ...base, jitterMs: -1 })).toThrow(RangeError);
  });
});

describe("backoffMs()", () => {
  test("backoffMs() grows 1, 2, 4, 8 minutes and stops at the interval", () => {
    expect([1, 2, 3, 4, 9, 40].map((n) => backoffMs(n, H))).toEqual([M, 2 * M, 4 * M, 8 * M, H, H]);
  });
});

describe("deltaSince()", () => {
  test("deltaSince() subtracts the safety overlap from the last success", () => {
    expect(deltaSince(NOW, 2 * M).toISOString()).toBe("2025-10-18T11:58:00.000Z");
  });
  test("deltaSince() defaults to a two-minute overlap", () => {
    expect(deltaSince(NOW).toISOString()).toBe("2025-10-18T11:58:00.000Z");
  });
});

describe("summarizeHistory()", () => {
  const e = (
    type: string,
    status: string,
    startedAt: Date,
    extra: Record<string, unknown> = {},
  ) => ({
    type,
    status,
    startedAt,
    completedAt: new Date(startedAt.getTime() + 1000),
    ...extra,
  });
  test("summarizeHistory() counts failures since the last success", () => {
    const facts = summarizeHistory([
      e("scim_full_sync", "success", ago(3 * H)),
      e("scim_full_sync", "failed", ago(2 * H)),
      e("scim_delta_sync", "interrupted", ago(1 * H)),
    ]);
    expect(facts).toEqual({
      lastFull: ago(3 * H),
      lastDelta: null,
      lastSuccess: ago(3 * H),
      consecutiveFailures: 2,
      lastAttemptAt: new Date(ago(1 * H).getTime() + 1000),
    });
  });
  test("summarizeHistory() ignores running, dry-run and filtered entries", () => {
    const facts = summarizeHistory([
      e("scim_full_sync", "success", ago(5 * H)),
      e("scim_full_sync", "success", ago(2 * H), { dryRun: true }),
      e("scim_full_sync", "failed", ago(1 * H), { filter: 'userName eq "a"' }),
      e("scim_full_sync", "running", ago(1 * M)),
    ]);
    expect(facts.lastFull).toEqual(ago(5 * H));
    expect(facts.consecutiveFailures).toBe(0);
  });
  test("summarizeHistory() counts a full sync whose listing was not proven complete as a failure", () => {
    const facts = summarizeHistory([
      e("scim_full_sync", "success", ago(7 * H)),
      e("scim_full_sync", "success", ago(30_000), { complete: false }),
    ]);
    expect(facts.lastFull).toEqual(ago(7 * H));
    expect(facts.consecutiveFailures).toBe(1);
    // So the full sync is retried on the backoff, neither at once nor an interval later.
    const next = nextRun({
      now: NOW,
      intervalMs: 6 * H,
      deltaIntervalMs: 15 * M,
      jitterMs: 0,
      random: () => 0,
      deltaSupported: true,
      ...facts,
    });
    expect(next).toEqual({
      at: new Date(ago(30_000).getTime() + 1000 + 60_000),
      type: "full",
      reason: "backoff",
    });
  });
  test("summarizeHistory() keeps the last delta apart from the last full", () => {
    const facts = summarizeHistory([
      e("scim_full_sync", "success", ago(2 * H)),
      e("scim_delta_sync", "success", ago(5 * M)),
    ]);
    expect(facts.lastDelta).toEqual(ago(5 * M));
    expect(facts.lastSuccess).toEqual(ago(5 * M));
  });
  test("summarizeHistory() counts a delta as the engine records it, with its generated filter and since", () => {
    const facts = summarizeHistory([
      historyDoc("full", "success", ago(1 * H)),
      historyDoc("delta", "success", ago(45 * M), ago(45 * M), ago(62 * M)),
      historyDoc("delta", "failed", ago(30 * M), ago(30 * M), ago(47 * M)),
    ]);
    expect(facts).toEqual({
      lastFull: ago(1 * H),
      lastDelta: ago(45 * M),
      lastSuccess: ago(45 * M),
      consecutiveFailures: 1,
      lastAttemptAt: ago(30 * M),
    });
  });
  test("summarizeHistory() ignores an operator's filtered full run when a delta with a filter counts", () => {
    const operator = { ...historyDoc("full", "failed", ago(5 * M)), filter: 'userName eq "a@x"' };
    const facts = summarizeHistory([historyDoc("full", "success", ago(1 * H)), operator]);
    expect(facts.consecutiveFailures).toBe(0);
    expect(facts.lastAttemptAt).toEqual(ago(1 * H));
  });
  test("summarizeHistory() counts guard-aborted and interrupted runs as failures", () => {
    const facts = summarizeHistory([
      historyDoc("full", "success", ago(3 * H)),
      historyDoc("full", "aborted", ago(2 * H)),
      historyDoc("delta", "interrupted", ago(1 * H)),
    ]);
    expect(facts.consecutiveFailures).toBe(2);
  });
  test("summarizeHistory() reports nothing when the history is empty", () => {
    expect(summarizeHistory([])).toEqual({
      lastFull: null,
      lastDelta: null,
      lastSuccess: null,
      consecutiveFailures: 0,
      lastAttemptAt: null,
    });
  });
});
