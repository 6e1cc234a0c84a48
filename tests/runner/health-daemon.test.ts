/**
 * `/health` of a real `bun runner/main.ts` over real parts, the counterpart of the fast
 * tests with stubs (tests/runner/health.test.ts, tests/runner/http/app.test.ts): its own
 * MongoDB-wire server killed and started again, the development SSO's process stopped and
 * started on the same port, and a last success that is really older than two intervals in
 * `syncHistory`. Every state change is awaited on `/health` itself, never slept for.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { MongoClient } from "mongodb";
import { freePort, type MongoServer, startMongoServer } from "../../dev/mongo-server.ts";
import { HealthReport } from "../../runner/health.ts";
import { type RunnerProcess, startRunner, waitFor } from "./support/runner-process.ts";
import { type SsoProcess, startSso } from "./support/sso-process.ts";
import { localServerTool } from "./support/tools.ts";

/** Each test kills and restarts a server of its own: this machine's local kind. */
const local = localServerTool();

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function health(r: RunnerProcess): Promise<{ code: number; report: HealthReport }> {
  const res = await fetch(`${r.url}/health`);
  return { code: res.status, report: HealthReport.parse(await res.json()) };
}

/** Polls /health until `ok` holds for its answer; the last answer otherwise, in the error. */
async function healthUntil(
  r: RunnerProcess,
  ok: (h: { code: number; report: HealthReport }) => boolean,
  what: string,
) {
  let last: unknown = null;
  return await waitFor(
    async () => {
      const h = await health(r);
      last = h;
      return ok(h) ? h : undefined;
    },
    30_000,
    what,
    100,
  ).catch((e) => {
    throw new Error(`${(e as Error).message}; last /health: ${JSON.stringify(last)}`);
  });
}

async function runnerOn(mongoUri: string, sso: SsoProcess, env: Record<string, string> = {}) {
  const r = await startRunner({
    MONGODB_URI: mongoUri,
    MONGODB_DB: `t_health_${process.pid}`,
    ...sso.env,
    SCIM_RATE_LIMIT: "60000",
    SCIM_MAX_RETRIES: "0",
    SCIM_TIMEOUT_MS: "2000",
    LOG_LEVEL: "warn",
    ...env,
  });
  cleanups.push(async () => {
    if (r.proc.exitCode === null) r.signal("SIGKILL");
    await r.exited;
  });
  return r;
}

// Concurrent: each test has its own server, SSO and runner, and mostly waits.
describe.concurrent("GET /health of a runner process", () => {
  test.skipIf(local.missing)(
    local.named(
      "GET /health answers 503 naming MongoDB while the runner's MongoDB server is down, and 200 once it is started again",
    ),
    async () => {
      const server: MongoServer = await startMongoServer({ forceEmbedded: true });
      cleanups.push(() => server.stop());
      const sso = await startSso({ users: 5, delayMs: 0 });
      cleanups.push(() => sso.stop());
      const r = await runnerOn(server.uri, sso, { SYNC_INTERVAL: "6h" });
      // The first full sync finished: killing the server during it would fail that run, and
      // "the last full sync failed: MongoDB unavailable" would then rightly stay after the restart.
      const up = await healthUntil(
        r,
        (h) => h.code === 200 && h.report.lastFullSync?.completedAt != null,
        "/health 200 at start, the first full sync done",
      );
      expect(up.report.mongo.ok).toBe(true);

      server.kill();
      const down = await healthUntil(r, (h) => h.code === 503, "/health 503 with MongoDB down");
      expect(down.report).toMatchObject({ status: "unhealthy", mongo: { ok: false } });
      expect(down.report.problems).toContain("MongoDB is not answering");

      await server.restart();
      const back = await healthUntil(r, (h) => h.code === 200, "/health 200 with MongoDB back");
      expect(back.report.mongo.ok).toBe(true);
      expect(back.report.problems.filter((p) => p.includes("MongoDB"))).toEqual([]);
    },
    90_000,
  );

  test.skipIf(local.missing)(
    local.named(
      "GET /health answers 503 while the last success in syncHistory is older than two intervals, reports the SSO down, and answers 200 after a sync once the SSO is back",
    ),
    async () => {
      const server: MongoServer = await startMongoServer({ forceEmbedded: true });
      cleanups.push(() => server.stop());
      // A real SSO process, stopped: the runner's address for it refuses connections.
      const port = await freePort();
      let sso = await startSso({ users: 5, delayMs: 0, port });
      await sso.stop();
      // The record a successful sync left two days ago, with a one-hour interval.
      const client = await new MongoClient(server.uri).connect();
      cleanups.push(() => client.close());
      const twoDaysAgo = new Date(Date.now() - 48 * 3_600_000);
      await client.db(`t_health_${process.pid}`).collection("syncHistory").insertOne({
        type: "scim_full_sync",
        startedAt: twoDaysAgo,
        completedAt: twoDaysAgo,
        filter: null,
        since: null,
        dryRun: false,
        status: "success",
        stats: {
          usersCreated: 5,
          usersUpdated: 0,
          usersDeactivated: 0,
          orgUnitsCreated: 0,
          orgUnitsUpdated: 0,
          errors: [],
        },
      });
      const r = await runnerOn(server.uri, sso, { SYNC_INTERVAL: "1h", SYNC_ON_START: "false" });

      const stale = await health(r);
      expect(stale.code).toBe(503);
      expect(stale.report.status).toBe("unhealthy");
      expect(stale.report.problems).toContain(
        "No successful sync within two sync intervals (SYNC_INTERVAL)",
      );
      expect(stale.report.lastSuccessAgeSeconds).toBeGreaterThanOrEqual(48 * 3600);
      // The SSO's outage is reported beside it (alone it would leave the runner degraded, 200).
      expect(stale.report.sso.ok).toBe(false);
      expect(stale.report.problems.some((p) => p.startsWith("The SSO is not answering"))).toBe(
        true,
      );

      sso = await startSso({ users: 5, delayMs: 0, port });
      cleanups.push(() => sso.stop());
      const trigger = await fetch(`${r.url}/api/v1/scim/sync?type=full`, { method: "POST" });
      expect(trigger.status).toBe(202);
      const fresh = await healthUntil(r, (h) => h.code === 200, "/health 200 after a sync");
      // At most degraded now: the SSO's earlier answer may still be cached for 30 s.
      expect(fresh.report.problems.filter((p) => p.startsWith("No successful sync"))).toEqual([]);
      expect(fresh.report.lastSync).toMatchObject({ status: "success", type: "scim_full_sync" });
      expect(fresh.report.lastSuccessAgeSeconds).toBeLessThan(3600);
    },
    90_000,
  );
});
