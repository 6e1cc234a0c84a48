// `/health`'s answers, one case per problem: which are 503 (act now) and which 200 degraded.
import { describe, expect, test } from "bun:test";
import { createHealthCheck, type HealthDeps } from "../../runner/health.ts";
import type { QuarantineState } from "../../runner/scheduler/quarantine.ts";
import type { SyncHistoryDoc } from "../../runner/store/collections.ts";

const H = 3_600_000;
const NOW = new Date("2025-10-18T12:00:00Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);

function run(
  type: "full" | "delta",
  status: SyncHistoryDoc["status"],
  startedAgoMs: number,
  extra: Partial<SyncHistoryDoc> = {},
): SyncHistoryDoc {
  return {
    type: type === "full" ? "scim_full_sync" : "scim_delta_sync",
    status,
    startedAt: ago(startedAgoMs),
    completedAt: ago(startedAgoMs - 60_000),
    stats: {
      usersCreated: 0,
      usersUpdated: 0,
      usersDeactivated: 0,
      orgUnitsCreated: 0,
      orgUnitsUpdated: 0,
      errors: [],
      usersUnchanged: 0,
      orgUnitsUnchanged: 0,
      orgUnitsDeactivated: 0,
      usersFetched: 0,
      orgUnitsFetched: 0,
    },
    ...extra,
  };
}

function check(p: {
  runs?: SyncHistoryDoc[];
  mongoUp?: boolean;
  sso?: { ok: true } | { ok: false; error: string };
  held?: number;
  quarantine?: QuarantineState | null;
  startedAgoMs?: number;
}) {
  const deps: HealthDeps = {
    pingMongo: async () => p.mongoUp ?? true,
    checkSso: async () => p.sso ?? { ok: true },
    recentRuns: async (n) => (p.runs ?? []).slice(0, n),
    heldCount: async () => p.held ?? 0,
    quarantine: () => p.quarantine ?? null,
    now: () => NOW,
    intervalMs: 6 * H,
    startedAt: ago(p.startedAgoMs ?? 60_000),
  };
  return createHealthCheck(deps)();
}

describe("createHealthCheck() ok", () => {
  test("is 200 ok with a recent complete full sync and nothing held", async () => {
    const { code, report } = await check({ runs: [run("full", "success", 2 * H)] });
    expect({ code, status: report.status, problems: report.problems }).toEqual({
      code: 200,
      status: "ok",
      problems: [],
    });
    expect(report.lastFullSync?.status).toBe("success");
  });
});

describe("createHealthCheck() unhealthy (503)", () => {
  test("MongoDB not answering", async () => {
    const { code, report } = await check({ mongoUp: false });
    expect(code).toBe(503);
    expect(report.problems).toEqual(["MongoDB is not answering"]);
  });

  test("no success within 2 × SYNC_INTERVAL (13 h at a 6 h interval)", async () => {
    const { code, report } = await check({ runs: [run("full", "success", 13 * H)] });
    expect(code).toBe(503);
    expect(report.problems[0]).toContain("No successful sync within two sync intervals");
  });

  test("no success ever, with a wrong client secret, 13 h after start: 503 naming both", async () => {
    const { code, report } = await check({
      runs: [run("full", "failed", H, { error: { code: "SCIM_AUTH", message: "HTTP 401" } })],
      sso: { ok: false, error: "Failed to get access token: HTTP 401 (invalid_client)" },
      startedAgoMs: 13 * H,
    });
    expect(code).toBe(503);
    expect(report.problems).toEqual([
      "No successful sync within two sync intervals of start (SYNC_INTERVAL)",
      "The SSO is not answering: Failed to get access token: HTTP 401 (invalid_client)",
      "The last full sync failed: HTTP 401",
    ]);
  });

  test("an incomplete full sync is no success: only incomplete ones for 13 h is 503", async () => {
    const { code } = await check({
      runs: [run("full", "success", 13 * H), run("full", "success", H, { complete: false })],
    });
    expect(code).toBe(503);
  });
});

describe("createHealthCheck() degraded (200)", () => {
  const recentGood = run("delta", "success", 10 * 60_000);
  const cases: [string, Parameters<typeof check>[0], string][] = [
    [
      "the SSO does not answer (wrong secret)",
      { runs: [run("full", "success", H)], sso: { ok: false, error: "HTTP 401 (invalid_client)" } },
      "The SSO is not answering: HTTP 401 (invalid_client)",
    ],
    [
      "the last full sync failed",
      {
        runs: [recentGood, run("full", "failed", H, { error: { code: "X", message: "HTTP 500" } })],
      },
      "The last full sync failed: HTTP 500",
    ],
    [
      "the last full sync was aborted by the guard",
      {
        runs: [recentGood, run("full", "aborted", H, { error: { code: "G", message: "30 > 20" } })],
      },
      "The last full sync was aborted by the deactivation guard: 30 > 20",
    ],
    [
      "the last full sync was incomplete",
      {
        runs: [
          recentGood,
          run("full", "success", H, { complete: false, incompleteReason: "ended early" }),
        ],
      },
      "The last full sync could not prove the SSO's listing complete: ended early (nobody was deactivated by absence)",
    ],
    [
      "the last full sync was partial",
      {
        runs: [
          run("full", "partial", H, {
            stats: {
              ...run("full", "partial", 0).stats,
              errors: [{
                resourceType: "User",
                resourceId: "u1",
                code: "DUPLICATE_KEY",
                message: "x",
              }],
            },
          }),
        ],
      },
      "The last full sync completed with 1 write error(s)",
    ],
    [
      "deletions are held",
      { runs: [run("full", "success", H)], held: 105 },
      "105 deactivation(s) held by the gate wait for an operator's decision",
    ],
    [
      "the schedule is quarantined",
      {
        runs: [recentGood],
        quarantine: { active: true, failures: 10, since: ago(H), lastError: "HTTP 503" },
      },
      "Quarantined after 10 failed full syncs: HTTP 503",
    ],
  ];
  for (const [name, input, problem] of cases) {
    test(`${name}: 200 degraded, saying so`, async () => {
      const { code, report } = await check(input);
      expect({ code, status: report.status, problems: report.problems }).toEqual({
        code: 200,
        status: "degraded",
        problems: [problem],
      });
    });
  }

  test("a success after aborted full syncs does not hide them: the last *full* sync is reported", async () => {
    const { report } = await check({
      runs: [recentGood, run("full", "aborted", 2 * H), run("full", "aborted", 8 * H)],
    });
    expect(report.lastSync?.type).toBe("scim_delta_sync");
    expect(report.lastFullSync?.status).toBe("aborted");
    expect(report.status).toBe("degraded");
  });
});
