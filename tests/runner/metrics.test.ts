// The /metrics exposition: the names and labels dashboards rely on, on a private registry.
import { describe, expect, test } from "bun:test";
import { createMetrics } from "../../runner/metrics.ts";
import type { SyncHistoryDoc } from "../../runner/store/collections.ts";

const STATS = {
  usersCreated: 2,
  usersUpdated: 3,
  usersUnchanged: 5,
  usersDeactivated: 1,
  orgUnitsCreated: 1,
  orgUnitsUpdated: 0,
  orgUnitsUnchanged: 4,
  orgUnitsDeactivated: 0,
  usersFetched: 11,
  orgUnitsFetched: 5,
  errors: [{ resourceType: "User", resourceId: "u-9", code: "X", message: "bad" }],
};

function run(over: Record<string, unknown> = {}): SyncHistoryDoc {
  return {
    type: "scim_full_sync",
    status: "success",
    startedAt: new Date("2025-10-18T10:00:00.000Z"),
    completedAt: new Date("2025-10-18T10:00:30.000Z"),
    stats: STATS,
    ...over,
  } as unknown as SyncHistoryDoc;
}

describe("createMetrics()", () => {
  test("render() exposes every metric name with its help, the lease gauge at 0 before anything is recorded", async () => {
    const { body, contentType } = await createMetrics().render();
    expect(contentType).toContain("text/plain");
    for (
      const name of [
        "scim_sync_runs_total",
        "scim_sync_duration_seconds",
        "scim_sync_users_total",
        "scim_sync_org_units_total",
        "scim_sync_last_success_timestamp_seconds",
        "scim_sync_resource_errors_total",
        "scim_webhook_events_total",
        "scim_requests_total",
        "scim_request_retries_total",
        "scim_lease_held",
      ]
    ) {
      expect(body).toContain(`# HELP ${name} `);
    }
    expect(body).toContain("scim_lease_held 0");
  });

  test("recordSyncRun() counts the run, its duration, its outcomes and the last success", async () => {
    const m = createMetrics();
    m.recordSyncRun(run());
    const { body } = await m.render();
    expect(body).toContain('scim_sync_runs_total{type="full",status="success"} 1');
    expect(body).toContain('scim_sync_duration_seconds_sum{type="full"} 30');
    expect(body).toContain('scim_sync_users_total{outcome="created"} 2');
    expect(body).toContain('scim_sync_users_total{outcome="deactivated"} 1');
    expect(body).toContain('scim_sync_org_units_total{outcome="unchanged"} 4');
    expect(body).toContain("scim_sync_resource_errors_total 1");
    expect(body).toContain(
      `scim_sync_last_success_timestamp_seconds{type="full"} ${
        Date.parse("2025-10-18T10:00:30Z") / 1000
      }`,
    );
  });

  test("recordSyncRun() ignores a dry run (a preview is never a run) and counts a failed run but not a last success", async () => {
    const m = createMetrics();
    m.recordSyncRun(run({ dryRun: true }));
    m.recordSyncRun(run({ dryRun: true, status: "aborted" }));
    m.recordSyncRun(run({ type: "scim_delta_sync", status: "failed" }));
    const { body } = await m.render();
    expect(body).toContain('scim_sync_runs_total{type="full",status="success"} 0');
    expect(body).toContain('scim_sync_runs_total{type="full",status="aborted"} 0');
    expect(body).not.toContain('scim_sync_duration_seconds_count{type="full"}');
    expect(body).toContain('scim_sync_runs_total{type="delta",status="failed"} 1');
    expect(body).toContain('scim_sync_users_total{outcome="created"} 2'); // the failed run's only
    expect(body).not.toContain('scim_sync_last_success_timestamp_seconds{type="delta"}');
    expect(body).not.toContain('scim_sync_last_success_timestamp_seconds{type="full"}');
  });

  test("recordSyncRun() leaves the last full success where it was after a full sync whose listing was not proven complete", async () => {
    const m = createMetrics();
    m.recordSyncRun(run({ complete: true }));
    m.recordSyncRun(run({
      complete: false,
      incompleteReason: "Users: the listing ended early",
      completedAt: new Date("2025-10-18T16:00:30.000Z"),
    }));
    const { body } = await m.render();
    expect(body).toContain(
      `scim_sync_last_success_timestamp_seconds{type="full"} ${
        Date.parse("2025-10-18T10:00:30Z") / 1000
      }`,
    );
  });

  test("recordSyncRun() stamps the last full listing by whether it was proven complete", async () => {
    const m = createMetrics();
    const before = await m.render();
    expect(before.body).toContain(
      'scim_sync_last_full_listing_timestamp_seconds{complete="true"} 0',
    );
    expect(before.body).toContain(
      'scim_sync_last_full_listing_timestamp_seconds{complete="false"} 0',
    );
    m.recordSyncRun(run({ complete: true }));
    m.recordSyncRun(run({ complete: false, completedAt: new Date("2025-10-18T16:00:30.000Z") }));
    // A delta's listing is not the full one; a failed run without a verdict leaves both alone.
    m.recordSyncRun(run({ type: "scim_delta_sync", complete: false }));
    m.recordSyncRun(run({ status: "failed", completedAt: new Date("2025-10-19T00:00:00Z") }));
    const { body } = await m.render();
    expect(body).toContain(
      `scim_sync_last_full_listing_timestamp_seconds{complete="true"} ${
        Date.parse("2025-10-18T10:00:30Z") / 1000
      }`,
    );
    expect(body).toContain(
      `scim_sync_last_full_listing_timestamp_seconds{complete="false"} ${
        Date.parse("2025-10-18T16:00:30Z") / 1000
      }`,
    );
  });

  test("recordSyncRun() counts runs that went to the end by resource errors, partial ones too, past the cap of listed errors", async () => {
    const m = createMetrics();
    const many = [
      ...Array.from({ length: 3 }, (_, i) => ({
        resourceType: "User",
        resourceId: `u-${i}`,
        code: "DUPLICATE_KEY",
        message: "duplicate key",
      })),
      {
        resourceType: "User",
        resourceId: null,
        code: "TOO_MANY_ERRORS",
        message: "7 more errors not listed",
      },
    ];
    m.recordSyncRun(run({ stats: { ...STATS, errors: [] } }));
    m.recordSyncRun(run({ status: "partial", stats: { ...STATS, errors: many } }));
    m.recordSyncRun(run({ status: "failed" }));
    const { body } = await m.render();
    expect(body).toContain('scim_sync_runs_total{type="full",status="partial"} 1');
    expect(body).toContain('scim_sync_completed_runs_total{type="full",resource_errors="none"} 1');
    expect(body).toContain('scim_sync_completed_runs_total{type="full",resource_errors="some"} 1');
    expect(body).toContain('scim_sync_last_run_resource_errors{type="full"} 10');
    // 0 + 10 + the failed run's one.
    expect(body).toContain("scim_sync_resource_errors_total 11");
    // A partial run is no success.
    const partialOnly = createMetrics();
    partialOnly.recordSyncRun(run({ status: "partial" }));
    expect((await partialOnly.render()).body).not.toContain(
      'scim_sync_last_success_timestamp_seconds{type="full"}',
    );
  });

  test("recordScimRequest() labels by resource, never by id, and counts retries apart", async () => {
    const m = createMetrics();
    m.recordScimRequest({ path: "/Users/abc-123?attributes=id", status: 200, retry: false });
    m.recordScimRequest({ path: "/Users/def-456", status: 503, retry: true });
    m.recordScimRequest({ path: "/weird/path", status: "error", retry: false });
    const { body } = await m.render();
    expect(body).toContain('scim_requests_total{resource="Users",status="200"} 1');
    expect(body).toContain('scim_requests_total{resource="Users",status="503"} 1');
    expect(body).toContain('scim_requests_total{resource="other",status="error"} 1');
    expect(body).toContain('scim_request_retries_total{resource="Users"} 1');
    expect(body).not.toContain("abc-123");
  });

  test("recordWebhookEvent(), recordLeaseHeld() and recordLastSuccess() show in the exposition", async () => {
    const m = createMetrics();
    m.recordWebhookEvent("success");
    m.recordWebhookEvent("success");
    m.recordLeaseHeld(true);
    m.recordLastSuccess("scim_delta_sync", new Date(5_000));
    const { body } = await m.render();
    expect(body).toContain('scim_webhook_events_total{status="success"} 2');
    expect(body).toContain("scim_lease_held 1");
    expect(body).toContain('scim_sync_last_success_timestamp_seconds{type="delta"} 5');
  });

  test("createMetrics() gives each caller its own registry", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.recordWebhookEvent("failed");
    expect((await a.render()).body).toContain('scim_webhook_events_total{status="failed"} 1');
    expect((await b.render()).body).toContain('scim_webhook_events_total{status="failed"} 0');
  });

  test("createMetrics() starts the series the alert rules watch at 0, so their first increase counts", async () => {
    const { body } = await createMetrics().render();
    expect(body).toContain('scim_sync_runs_total{type="full",status="aborted"} 0');
    expect(body).toContain('scim_webhook_events_total{status="failed"} 0');
    expect(body).toContain('scim_ingest_rejected_total{reason="busy"} 0');
    expect(body).toContain("scim_lease_lost_total 0");
    expect(body).toContain("scim_sync_consecutive_failures 0");
    expect(body).toContain("scim_held_deactivations 0");
    expect(body).toMatch(/scim_runner_start_time_seconds \d{10}/);
  });

  test("recordSchedule(), recordConsecutiveFailures(), recordIngestRejected() and recordLeaseLost() show in the exposition", async () => {
    const m = createMetrics();
    m.recordSchedule({ intervalMs: 6 * 3600_000, deltaIntervalMs: 15 * 60_000 });
    m.recordConsecutiveFailures(4);
    m.recordIngestRejected("busy");
    m.recordIngestRejected("busy");
    m.recordLeaseLost();
    const { body } = await m.render();
    expect(body).toContain('scim_sync_interval_seconds{type="full"} 21600');
    expect(body).toContain('scim_sync_interval_seconds{type="delta"} 900');
    expect(body).toContain("scim_sync_consecutive_failures 4");
    expect(body).toContain('scim_ingest_rejected_total{reason="busy"} 2');
    expect(body).toContain("scim_lease_lost_total 1");
  });

  test("render() reads the held count at each scrape and keeps the last value when the read fails", async () => {
    const m = createMetrics();
    const answers: Array<number | Error> = [3, new Error("store down"), 1];
    m.watchHeldDeactivations(() => {
      const next = answers.shift()!;
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    });
    expect((await m.render()).body).toContain("scim_held_deactivations 3");
    expect((await m.render()).body).toContain("scim_held_deactivations 3");
    expect((await m.render()).body).toContain("scim_held_deactivations 1");
  });
});
