// Whole runs against the hostile SCIM server on the MongoDB-wire server: each
// test first syncs 240 users honestly, then lets the server misbehave and runs
// again. Nobody present may be deactivated, no run may go on forever, and the
// history says what happened. The guard is opened (SYNC_MAX_DEACTIVATE=100%)
// so the listing proof alone stands between the server and a deactivation.
import { afterEach, describe, expect, test } from "bun:test";
import type { HostileMode } from "../../../dev/hostile-scim/app.ts";
import { createLeaseStore } from "../../../runner/store/lease-store.ts";
import { connectMongo } from "../../../runner/store/mongo.ts";
import { HOSTILE_SECRET, type HostileEnv, hostileEnv, runCli } from "../support/hostile-env.ts";

let h: HostileEnv | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function hostileRun(name: string, mode: HostileMode, extra: Record<string, string> = {}) {
  h = await hostileEnv(name);
  await h.seed(mode);
  expect(await h.activeUsers()).toBe(240);
  const { history } = await (await h.runtime(extra)).runSync({ type: "full" });
  return history;
}

describe("a listing that cannot be proven complete deactivates nobody by absence", () => {
  test("runSync() records an incomplete run and keeps all 240 active when the SSO sends an empty page at startIndex 201", async () => {
    const history = await hostileRun("early", "empty-early");
    expect(history.status).toBe("success");
    expect(history.complete).toBe(false);
    expect(history.incompleteReason).toBe(
      "Users: the listing ended with an empty page at startIndex 201 while totalResults announced 240",
    );
    expect(history.stats.usersDeactivated).toBe(0);
    expect(await h!.activeUsers()).toBe(240);
    const stored = await h!.mongo.db(h!.dbName).collection("syncHistory").findOne({}, {
      sort: { startedAt: -1 },
    });
    expect(stored).toMatchObject({ complete: false, incompleteReason: history.incompleteReason });
  });

  test("runSync() reads past a totalResults of 200 when 240 exist, deactivates nobody and records why", async () => {
    const history = await hostileRun("low", "total-too-low");
    expect(history.complete).toBe(false);
    expect(history.incompleteReason).toContain(
      "the SSO returned 240 resources where totalResults announced 200",
    );
    expect(await h!.activeUsers()).toBe(240);
  });

  test("runSync() deactivates nobody by absence when totalResults changes between pages", async () => {
    const history = await hostileRun("changes", "total-changes");
    expect(history.complete).toBe(false);
    expect(history.incompleteReason).toContain(
      "totalResults changed during the listing (240 on page 1, 247 on page 2)",
    );
    expect(await h!.activeUsers()).toBe(240);
  });

  test("runSync() proves an honest listing complete and still deactivates a user really gone", async () => {
    h = await hostileEnv("honest", { users: 240 });
    await h.seed("honest");
    // Remove one user from the server's directory: the honest listing now proves 239.
    h.server.hostile.users.pop();
    const { history } = await (await h.runtime()).runSync({ type: "full" });
    expect(history).toMatchObject({ status: "success", complete: true });
    expect(history.stats.usersDeactivated).toBe(1);
    expect(await h.activeUsers()).toBe(239);
  });
});

describe("a listing that would not end fails the run in a bounded number of requests", () => {
  const cases: Array<[HostileMode, string, number]> = [
    ["total-too-high", "page 2 (startIndex 101) added no resource not already seen", 3],
    ["repeat-page", "page 2 (startIndex 101) added no resource not already seen", 3],
  ];
  for (const [mode, message, maxRequests] of cases) {
    test(`runSync() fails with SCIM_LISTING_RUNAWAY in at most ${maxRequests} requests when the SSO serves ${mode}`, async () => {
      const history = await hostileRun(mode, mode);
      expect(history.status).toBe("failed");
      expect(history.error?.code).toBe("SCIM_LISTING_RUNAWAY");
      expect(history.error?.message).toContain(message);
      expect(h!.userRequests()).toBeLessThanOrEqual(maxRequests);
      expect(await h!.activeUsers()).toBe(240);
    });
  }

  test("runSync() fails with SCIM_LISTING_RUNAWAY after 2 requests when nextCursor never changes", async () => {
    const history = await hostileRun("cursor", "cursor-loop");
    expect(history.error?.code).toBe("SCIM_LISTING_RUNAWAY");
    expect(history.error?.message).toContain("page 2 handed out a nextCursor it had given before");
    expect(h!.userRequests()).toBe(2);
    expect(await h!.activeUsers()).toBe(240);
  });
});

describe("bounded responses and redirects in a run", () => {
  for (const mode of ["endless-body", "gzip-bomb", "huge-page"] as const) {
    test(`runSync() fails with SCIM_RESPONSE_TOO_LARGE after one request when the SSO sends a ${mode}`, async () => {
      const history = await hostileRun(mode, mode, { SCIM_MAX_RESPONSE_BYTES: "8MiB" });
      expect(history.status).toBe("failed");
      expect(history.error?.code).toBe("SCIM_RESPONSE_TOO_LARGE");
      expect(history.error?.message).toContain("SCIM_MAX_RESPONSE_BYTES (8 MiB");
      expect(h!.userRequests()).toBe(1);
      expect(await h!.activeUsers()).toBe(240);
    });
  }

  for (const mode of ["redirect-token", "redirect-users"] as const) {
    test(`runSync() fails with SCIM_REDIRECT_REFUSED and sends nothing to the other origin on ${mode}`, async () => {
      const history = await hostileRun(mode, mode);
      expect(history.status).toBe("failed");
      expect(history.error?.code).toBe("SCIM_REDIRECT_REFUSED");
      expect(history.error?.message).toContain(h!.recorder.url);
      expect(JSON.stringify(history)).not.toContain(HOSTILE_SECRET);
      expect(h!.recorder.requests).toEqual([]);
      expect(await h!.activeUsers()).toBe(240);
    });
  }
});

describe("npm run sync against the hostile server", () => {
  for (const mode of ["endless-body", "gzip-bomb", "huge-page"] as const) {
    test(`npm run sync stays under 300 MB resident and exits 1 naming SCIM_MAX_RESPONSE_BYTES on a ${mode}`, async () => {
      h = await hostileEnv(`cli_${mode}`);
      await h.seed(mode);
      const run = await runCli(h.env, { killAboveMB: 1024 });
      expect(run.killed).toBe(false);
      expect(run.code).toBe(1);
      expect(run.output).toContain("SCIM_MAX_RESPONSE_BYTES");
      expect(run.peakMB).toBeGreaterThan(0);
      expect(run.peakMB).toBeLessThan(300);
      expect(await h.activeUsers()).toBe(240);
    });
  }

  test("npm run sync exits 3 and says the listing is incomplete when the SSO ends its listing early", async () => {
    h = await hostileEnv("cli_incomplete");
    await h.seed("empty-early");
    const run = await runCli(h.env);
    expect(run.code).toBe(3);
    expect(run.output).toContain("listing incomplete");
    expect(await h.activeUsers()).toBe(240);
  });

  test("npm run sync stops at SYNC_MAX_DURATION as failed and releases the lease when the listing never ends", async () => {
    h = await hostileEnv("deadline");
    await h.seed("endless-listing");
    const started = Date.now();
    // A slow rate keeps the endless listing small (a request every ~0.1 s, ~30 before the
    // deadline); the deadline, not the rate, must end the run.
    const run = await runCli({ ...h.env, SYNC_MAX_DURATION: "3s", SCIM_RATE_LIMIT: "600" });
    expect(run.code).toBe(1);
    expect(run.output).toContain("ran longer than SYNC_MAX_DURATION (3s)");
    // The point of the test is that the run ends: 10× the 3 s deadline, generous for a loaded machine.
    expect(Date.now() - started).toBeLessThan(30_000);
    const last = await h.mongo.db(h.dbName).collection("syncHistory").findOne({}, {
      sort: { startedAt: -1 },
    });
    expect(last).toMatchObject({ status: "failed", error: { code: "SYNC_DEADLINE" } });
    const handle = await connectMongo(h.env.MONGODB_URI!, h.dbName);
    try {
      expect(await createLeaseStore(handle.db).holder("scim-sync")).toBeNull();
    } finally {
      await handle.close();
    }
    expect(await h.activeUsers()).toBe(240);
  });
});
