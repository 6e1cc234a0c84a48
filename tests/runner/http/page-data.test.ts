// What the sync page loads: rows validated one by one (a bad one skipped and
// counted, not fatal), the connection check cut at its deadline, and who runs a sync.
import { describe, expect, test } from "bun:test";
import { type Connection, loadSyncPage, type PageSources } from "../../../runner/http/page-data.ts";
import type { Job } from "../../../runner/scheduler/types.ts";

const NOW = new Date("2025-10-18T10:30:00.000Z");
const HISTORY = {
  _id: "h-1",
  type: "scim_full_sync",
  status: "success",
  startedAt: new Date("2025-10-18T10:00:00.000Z"),
  completedAt: new Date("2025-10-18T10:00:30.000Z"),
  stats: { usersCreated: 2, errors: [] },
};
const EVENT = {
  eventId: "e-1",
  event: "user.updated",
  resourceType: "User",
  resourceId: "u-1",
  action: "update",
  receivedAt: NOW,
  status: "success",
};

const HELD = { page: 1, pageSize: 50, total: 0, items: [] };

function sources(over: Partial<PageSources> = {}): PageSources {
  return {
    ssoBaseUrl: "http://sso.test",
    connection: async (): Promise<Connection> => ({ ok: false, error: "not asked" }),
    recentHistory: async () => [HISTORY],
    recentEvents: async () => [EVENT],
    heldPage: async () => HELD,
    leaseHolder: async () => null,
    scheduler: { current: null, nextRunAt: null, nextRunType: null },
    now: () => NOW,
    ...over,
  };
}

describe("loadSyncPage()", () => {
  test("loadSyncPage() returns the rows, filling missing counters with 0, and the flash it was given", async () => {
    const flash = { kind: "info" as const, title: "Sync started", text: "…" };
    const data = await loadSyncPage(sources(), flash);
    expect(data.now).toEqual(NOW);
    expect(data.history).toHaveLength(1);
    expect(data.history[0]).toMatchObject({
      _id: "h-1",
      status: "success",
      stats: { usersCreated: 2, usersUpdated: 0 },
    });
    expect(data.events).toHaveLength(1);
    expect(data.held).toEqual(HELD);
    expect(data.skippedRows).toBe(0);
    expect(data.flash).toBe(flash);
  });

  test("loadSyncPage() skips and counts rows that fail validation instead of failing the page", async () => {
    const data = await loadSyncPage(
      sources({
        recentHistory: async () => [HISTORY, {
          type: "scim_full_sync",
          status: "success",
          startedAt: "not a date",
        }],
        recentEvents: async () => [EVENT, { event: "user.updated" }],
      }),
      null,
    );
    expect(data.history).toHaveLength(1);
    expect(data.events).toHaveLength(1);
    expect(data.skippedRows).toBe(2);
  });

  test("loadSyncPage() gives null events and held rows when the runner has no webhook event store nor held store", async () => {
    const data = await loadSyncPage(
      sources({ recentEvents: undefined, heldPage: undefined }),
      null,
    );
    expect(data.events).toBeNull();
    expect(data.held).toBeNull();
  });

  test("loadSyncPage() reports Connection Failed at its deadline when the SSO never answers", async () => {
    const data = await loadSyncPage(
      sources({
        connection: () => new Promise<Connection>(() => {}),
        connectionTimeoutMs: 20,
      }),
      null,
    );
    expect(data.connection).toEqual({
      ok: false,
      error: "Connection Failed: no answer from http://sso.test within 0.02s",
    });
  });

  test("loadSyncPage() shows another replica's running row while it holds the lease", async () => {
    const running = { ...HISTORY, _id: "h-2", status: "running", completedAt: null };
    const data = await loadSyncPage(
      sources({
        recentHistory: async () => [running, HISTORY],
        leaseHolder: async () => "runner-b",
      }),
      null,
    );
    expect(data.running).toMatchObject({ job: null, holder: "runner-b", abandoned: false });
    expect(data.running.elsewhere?._id).toBe("h-2");
  });

  test("loadSyncPage() calls a running row abandoned when nobody holds the lease and nothing runs here", async () => {
    const running = { ...HISTORY, status: "running", completedAt: null };
    const data = await loadSyncPage(sources({ recentHistory: async () => [running] }), null);
    expect(data.running).toEqual({ job: null, elsewhere: null, holder: null, abandoned: true });
  });

  test("loadSyncPage() shows this runner's own job, not a running row, and the next planned run", async () => {
    const job = { runId: "r-1", status: "running" } as unknown as Job;
    const at = new Date("2025-10-18T11:00:00.000Z");
    const data = await loadSyncPage(
      sources({
        scheduler: { current: job, nextRunAt: at, nextRunType: "delta" },
        leaseHolder: async () => "runner-a",
      }),
      null,
    );
    expect(data.running).toEqual({ job, elsewhere: null, holder: "runner-a", abandoned: false });
    expect(data.next).toEqual({ at, type: "delta" });
  });
});
