import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { ConfigError } from "../../../shared/errors.ts";
import { silentLogger } from "../../../shared/logger.ts";
import type { ServiceProviderConfig } from "../../../shared/scim-schemas.ts";
import { createHealthCheck } from "../../../runner/health.ts";
import { createRunnerApp } from "../../../runner/http/app.ts";
import type { Connection } from "../../../runner/http/page-data.ts";
import { createLease } from "../../../runner/lease.ts";
import { createMetrics } from "../../../runner/metrics.ts";
import { createScheduler } from "../../../runner/scheduler/scheduler.ts";
import type { SyncHistoryDoc } from "../../../runner/store/collections.ts";
import { createFakeTime } from "../support/fake-time.ts";
import { fakeEngine, historyDoc, memoryLeaseStore } from "../support/fakes.ts";

const H = 3_600_000;
const SPC = {
  bulk: { supported: true, maxOperations: 1000 },
  filter: { supported: true, maxResults: 200 },
} as unknown as ServiceProviderConfig;

function setup(opts: {
  host?: string;
  adminToken?: string | null;
  connection?: Connection;
  mongoUp?: boolean;
  history?: SyncHistoryDoc[];
  auto?: SyncHistoryDoc["status"];
  mounts?: Hono[];
} = {}) {
  const time = createFakeTime(new Date("2025-10-18T12:00:00Z"));
  const store = memoryLeaseStore(time.clock.now);
  const history = opts.history ?? [];
  const engine = fakeEngine(history, time.clock.now, { auto: opts.auto });
  const metrics = createMetrics();
  const lease = createLease({
    store,
    owner: "me",
    ttlMs: 30_000,
    timer: time.timer,
    logger: silentLogger,
  });
  const scheduler = createScheduler({
    clock: time.clock,
    timer: time.timer,
    random: () => 0,
    lease,
    runSync: engine.runSync,
    recentHistory: async () => [...history],
    deltaSupported: async () => true,
    logger: silentLogger,
    config: {
      intervalMs: 6 * H,
      deltaIntervalMs: 15 * 60_000,
      jitterMs: 0,
      syncOnStart: false,
      leaseTtlMs: 30_000,
    },
  });
  const newest = () => [...history].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  const mongoUp = opts.mongoUp ?? true;
  const health = createHealthCheck({
    pingMongo: async () => mongoUp,
    checkSso: async () => ({ ok: true }),
    recentRuns: async (n) => newest().slice(0, n),
    heldCount: async () => 0,
    quarantine: () => null,
    now: time.clock.now,
    intervalMs: 6 * H,
    startedAt: new Date(time.clock.now().getTime() - 1000),
  });
  const app = createRunnerApp({
    config: { host: opts.host ?? "127.0.0.1", adminToken: opts.adminToken ?? null },
    sync: {
      scheduler,
      now: time.clock.now,
      logger: silentLogger,
      page: {
        ssoBaseUrl: "http://localhost:5173",
        connection: async () => opts.connection ?? { ok: true, config: SPC },
        recentHistory: async (n) => newest().slice(0, n),
        recentEvents: async () => [{
          eventId: "e1",
          event: "user.updated",
          resourceType: "User",
          resourceId: "u-1",
          action: "update",
          receivedAt: time.clock.now(),
          processedAt: time.clock.now(),
          status: "success",
          error: null,
        }],
        leaseHolder: async () => (await store.holder("scim-sync"))?.owner ?? null,
      },
    },
    health,
    metrics,
    logger: silentLogger,
    mounts: opts.mounts,
  });
  return { app, time, store, engine, metrics, scheduler, history };
}

const basic = (user: string, pass: string) => `Basic ${btoa(`${user}:${pass}`)}`;

describe("createRunnerApp() auth", () => {
  test("createRunnerApp() throws ConfigError when HOST is beyond loopback and ADMIN_TOKEN is unset", () => {
    expect(() => setup({ host: "0.0.0.0" })).toThrow(ConfigError);
  });

  test("GET /modules/sync answers 401 with a Basic challenge without the token beyond loopback", async () => {
    const { app } = setup({ host: "0.0.0.0", adminToken: "s3cret-token" });
    const res = await app.request("/modules/sync");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Basic");
    expect((await app.request("/api/v1/scim/sync", { method: "POST" })).status).toBe(401);
    expect((await app.request("/api/v1/scim/sync/status")).status).toBe(401);
  });

  test("GET /modules/sync accepts the token as Bearer or as Basic password with any user name", async () => {
    const { app } = setup({ host: "0.0.0.0", adminToken: "s3cret-token" });
    const bearer = await app.request("/modules/sync", {
      headers: { Authorization: "Bearer s3cret-token" },
    });
    const viaBasic = await app.request("/modules/sync", {
      headers: { Authorization: basic("anyone", "s3cret-token") },
    });
    const wrong = await app.request("/modules/sync", {
      headers: { Authorization: basic("admin", "s3cret-tokem") },
    });
    expect([bearer.status, viaBasic.status, wrong.status]).toEqual([200, 200, 401]);
  });

  test("GET /health and /metrics stay open when the token is required", async () => {
    const { app } = setup({ host: "0.0.0.0", adminToken: "s3cret-token" });
    expect((await app.request("/health")).status).toBe(200);
    expect((await app.request("/metrics")).status).toBe(200);
  });

  test("mounted apps keep their own auth and are not behind the admin token", async () => {
    const ingest = new Hono().post("/api/v1/scim/events", (c) => c.text("ingested", 200));
    const { app } = setup({ host: "0.0.0.0", adminToken: "s3cret-token", mounts: [ingest] });
    const res = await app.request("/api/v1/scim/events", { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ingested");
  });
});

describe("createRunnerApp() sync trigger", () => {
  test("POST /api/v1/scim/sync answers 202 with a run id, then 409 while that run lasts", async () => {
    const { app, engine, time } = setup();
    const first = await app.request("/api/v1/scim/sync", { method: "POST" });
    expect(first.status).toBe(202);
    const body = (await first.json()) as { runId: string; historyId: string | null; type: string };
    expect(body.runId).toMatch(/^[\w-]+$/);
    expect(body.historyId).toBeNull();
    expect(body.type).toBe("full");
    const second = await app.request("/api/v1/scim/sync", { method: "POST" });
    expect(second.status).toBe(409);
    engine.runs[0]!.finish("success");
    await time.advance(0);
    const status = await app.request(`/api/v1/scim/sync/status?runId=${body.runId}`);
    const job = ((await status.json()) as {
      job: { status: string; runId: string; historyId: string | null };
    }).job;
    expect(job.status).toBe("success");
    // runId is the scheduler's id of the run; historyId its syncHistory record's, two names for two things.
    expect(job).toMatchObject({ runId: body.runId, historyId: "history-1" });
  });

  test("POST /api/v1/scim/sync answers 409 while another replica holds the lease", async () => {
    const { app, store } = setup();
    await store.acquire("scim-sync", "other-replica", 30_000);
    const res = await app.request("/api/v1/scim/sync?type=delta", { method: "POST" });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { reason: string }).reason).toBe("leased");
  });

  test("POST /api/v1/scim/sync runs a delta when ?type=delta and a sync succeeded before", async () => {
    const { app, engine } = setup({
      history: [historyDoc("full", "success", new Date("2025-10-18T11:00:00Z"))],
    });
    const res = await app.request("/api/v1/scim/sync?type=delta", { method: "POST" });
    expect(res.status).toBe(202);
    expect(engine.runs[0]?.options.type).toBe("delta");
    expect(engine.runs[0]?.options.since?.toISOString()).toBe("2025-10-18T10:58:00.000Z");
  });

  test("POST /api/v1/scim/sync answers 400 when type is neither full nor delta", async () => {
    const { app, engine } = setup();
    expect((await app.request("/api/v1/scim/sync?type=everything", { method: "POST" })).status)
      .toBe(400);
    expect(engine.runs.length).toBe(0);
  });

  test("POST /api/v1/scim/sync answers 403 when the request comes from another site", async () => {
    const { app, engine } = setup();
    const res = await app.request("http://localhost:5174/api/v1/scim/sync", {
      method: "POST",
      headers: { Origin: "http://evil.example" },
    });
    expect(res.status).toBe(403);
    expect(engine.runs.length).toBe(0);
  });

  test("POST /modules/sync (the form) redirects to the page with the run id when no script runs", async () => {
    const { app, engine, time } = setup();
    const res = await app.request("http://localhost:5174/modules/sync", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Origin: "http://localhost:5174",
      },
      body: "",
    });
    expect(res.status).toBe(303);
    const location = res.headers.get("location")!;
    expect(location).toMatch(/^\/modules\/sync\?run=[\w-]+$/);
    const running = await (await app.request(location)).text();
    expect(running).toContain("Sync running.");
    expect(running).toContain('http-equiv="refresh"');
    engine.runs[0]!.finish("failed");
    await time.advance(0);
    const done = await (await app.request(location)).text();
    expect(done).toContain("Sync failed.");
  });
});

describe("createRunnerApp() page", () => {
  test("GET /modules/sync shows the green connection box, the button and the history", async () => {
    const h = historyDoc(
      "full",
      "success",
      new Date("2025-10-18T11:00:00Z"),
      new Date("2025-10-18T11:01:30Z"),
    );
    h.stats.usersCreated = 2;
    h.stats.orgUnitsUpdated = 47;
    const { app } = setup({ history: [h] });
    const html = await (await app.request("/modules/sync")).text();
    expect(html).toContain("Connected to Aksara SSO");
    expect(html).toContain("Bulk Operations");
    expect(html).toContain("Max Results");
    expect(html).toContain("Sync All Data");
    expect(html).toContain("2025-10-18 11:00:00 UTC");
    expect(html).toContain("user.updated");
  });

  test("GET /modules/sync shows the red box and the checklist when the SSO cannot be reached", async () => {
    const { app } = setup({
      connection: { ok: false, error: "Connection Failed: http://localhost:5173 (ECONNREFUSED)" },
    });
    const html = await (await app.request("/modules/sync")).text();
    expect(html).toContain("Connection Failed");
    expect(html).toContain("ECONNREFUSED");
    expect(html).toContain("SCIM client credentials are correct");
    expect(html).toContain("No firewall blocking the connection");
  });

  test("GET /modules/sync escapes stored text when an error message carries markup", async () => {
    const h = historyDoc("full", "failed", new Date("2025-10-18T11:00:00Z"));
    h.error = { code: "SCIM_HTTP_ERROR", message: "<script>alert(1)</script>" };
    const { app } = setup({ history: [h] });
    const html = await (await app.request("/modules/sync")).text();
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });
});

describe("createRunnerApp() health and metrics", () => {
  test("GET /health answers 200 with the last sync when MongoDB is up and a sync is recent", async () => {
    const { app } = setup({
      history: [historyDoc("full", "success", new Date("2025-10-18T10:00:00Z"))],
    });
    const res = await app.request("/health");
    const body = (await res.json()) as {
      status: string;
      mongo: { ok: boolean };
      lastSync: { status: string };
    };
    expect(res.status).toBe(200);
    expect(body.status).toBe("ok");
    expect(body.lastSync.status).toBe("success");
  });

  test("GET /health answers 503 when MongoDB does not answer", async () => {
    const { app } = setup({ mongoUp: false });
    const res = await app.request("/health");
    expect(res.status).toBe(503);
    expect(((await res.json()) as { mongo: { ok: boolean } }).mongo.ok).toBe(false);
  });

  test("GET /health answers 503 when the last success is older than two intervals", async () => {
    const { app } = setup({
      history: [historyDoc("full", "success", new Date("2025-10-17T23:59:00Z"))],
    });
    const res = await app.request("/health");
    expect(res.status).toBe(503);
    expect(((await res.json()) as { problems: string[] }).problems[0]).toContain(
      "two sync intervals",
    );
  });

  test("GET /metrics serves the Prometheus text format with the recorded runs", async () => {
    const { app, metrics } = setup();
    const h = historyDoc(
      "full",
      "success",
      new Date("2025-10-18T11:00:00Z"),
      new Date("2025-10-18T11:01:30Z"),
    );
    h.stats.usersCreated = 3;
    metrics.recordSyncRun(h);
    metrics.recordWebhookEvent("success");
    metrics.recordScimRequest({ path: "/Users", status: 503, retry: true });
    metrics.recordLeaseHeld(true);
    const res = await app.request("/metrics");
    const text = await res.text();
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    expect(text).toContain("# TYPE scim_sync_runs_total counter");
    expect(text).toContain('scim_sync_runs_total{type="full",status="success"} 1');
    expect(text).toContain('scim_sync_duration_seconds_bucket{le="120",type="full"} 1');
    expect(text).toContain('scim_sync_users_total{outcome="created"} 3');
    expect(text).toContain(
      `scim_sync_last_success_timestamp_seconds{type="full"} ${
        Date.parse("2025-10-18T11:01:30Z") / 1000
      }`,
    );
    expect(text).toContain('scim_webhook_events_total{status="success"} 1');
    expect(text).toContain('scim_requests_total{resource="Users",status="503"} 1');
    expect(text).toContain('scim_request_retries_total{resource="Users"} 1');
    expect(text).toContain("scim_lease_held 1");
  });
});
