/**
 * The daemon's schedule over a window of fake time, with the real engine, the
 * real syncHistory and lease stores on the MongoDB-wire server and the
 * development SSO: every count below is of runs the engine recorded.
 */
import { afterEach, describe, expect, test } from "bun:test";
import {
  type RecordedRun,
  type ScheduleHarness,
  scheduleHarness,
} from "../support/schedule-harness.ts";

const M = 60_000;
const H = 60 * M;
const HOURLY = { SYNC_INTERVAL: "1h", SYNC_DELTA_INTERVAL: "15m", SCIM_MAX_RETRIES: "0" };
const shape = (runs: RecordedRun[]) =>
  runs.map((r) => `${r.minute} ${r.type === "scim_full_sync" ? "full" : "delta"} ${r.status}`);

/** A standard SCIM server without `meta.lastModified` filtering: the dev SSO behind a proxy that refuses it. */
function withoutDeltaFilter(ssoUrl: string) {
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      if ((url.searchParams.get("filter") ?? "").includes("meta.lastModified")) {
        return Response.json({
          schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
          status: "400",
          scimType: "invalidFilter",
          detail: "Filtering on meta.lastModified is not supported",
        }, { status: 400, headers: { "content-type": "application/scim+json" } });
      }
      const body = req.method === "GET" || req.method === "HEAD"
        ? undefined
        : await req.arrayBuffer();
      return fetch(`${ssoUrl}${url.pathname}${url.search}`, {
        method: req.method,
        headers: req.headers,
        body,
      });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, stop: () => void server.stop(true) };
}

describe("createScheduler() over a window with the real engine and syncHistory", () => {
  let h: ScheduleHarness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  test(
    "createScheduler() runs exactly 3 fulls and 6 deltas in 2 hours when SYNC_INTERVAL=1h and SYNC_DELTA_INTERVAL=15m",
    async () => {
      h = await scheduleHarness("sched_window", HOURLY);
      h.scheduler.start();
      await h.runFor(2 * H);
      const runs = await h.runs();
      expect(shape(runs)).toEqual([
        "0 full success",
        "15 delta success",
        "30 delta success",
        "45 delta success",
        "60 full success",
        "75 delta success",
        "90 delta success",
        "105 delta success",
        "120 full success",
      ]);
      // Each delta reads from the start of the run before it, less the two-minute overlap.
      for (let i = 1; i < runs.length; i++) {
        if (runs[i]!.type !== "scim_delta_sync") continue;
        expect(runs[i]!.since?.getTime()).toBe(runs[i - 1]!.startedAt.getTime() - 2 * M);
      }
      expect(h.scheduler.nextRunAt?.getTime()).toBe(h.start.getTime() + 135 * M);
      expect(h.scheduler.nextRunType).toBe("delta");
    },
    60_000,
  );

  test(
    "createScheduler() retries after 1, 2, 4, 8, 16 minutes when the SSO fails for an hour, then resumes",
    async () => {
      h = await scheduleHarness("sched_backoff", HOURLY);
      h.env.sso.sso.faults.add({ kind: "status", status: 503 });
      h.scheduler.start();
      await h.runFor(1 * H);
      expect(shape(await h.runs())).toEqual([
        "0 full failed",
        "1 full failed",
        "3 full failed",
        "7 full failed",
        "15 full failed",
        "31 full failed",
      ]);
      h.env.sso.sso.faults.clear();
      await h.runFor(20 * M);
      expect(shape(await h.runs()).slice(6)).toEqual(["63 full success", "78 delta success"]);
    },
    60_000,
  );

  test(
    "createScheduler() backs failed deltas off 1, 2, 4, 8, 16 minutes when the SSO breaks after a full sync",
    async () => {
      h = await scheduleHarness("sched_delta_backoff", HOURLY);
      h.scheduler.start();
      await h.runFor(5 * M);
      h.env.sso.sso.faults.add({ kind: "status", status: 503 });
      await h.runFor(55 * M);
      expect(shape(await h.runs())).toEqual([
        "0 full success",
        "15 delta failed",
        "16 delta failed",
        "18 delta failed",
        "22 delta failed",
        "30 delta failed",
        "46 delta failed",
      ]);
      // The backoff holds back the full sync that fell due at 60 too: the next try is 32 minutes on.
      expect(h.scheduler.nextRunAt?.getTime()).toBe(h.start.getTime() + 78 * M);
      expect(h.scheduler.nextRunType).toBe("full");
    },
    60_000,
  );

  test(
    "createScheduler() backs off after guard-aborted full syncs instead of repeating them",
    async () => {
      h = await scheduleHarness("sched_aborted", HOURLY, { users: 50 });
      h.scheduler.start();
      await h.runFor(10 * M);
      // The directory loses 40 of 50 users: the next full sync would deactivate 80%.
      h.env.sso.sso.reset({ users: 10 });
      await h.runFor(60 * M);
      expect(shape(await h.runs())).toEqual([
        "0 full success",
        "15 delta success",
        "30 delta success",
        "45 delta success",
        "60 full aborted",
        "61 full aborted",
        "63 full aborted",
        "67 full aborted",
      ]);
    },
    60_000,
  );

  test(
    "createScheduler() runs full syncs only, one per interval, when the SSO refuses meta.lastModified filters",
    async () => {
      h = await scheduleHarness("sched_nodelta", HOURLY, {}, withoutDeltaFilter);
      h.scheduler.start();
      await h.runFor(2 * H);
      expect(shape(await h.runs())).toEqual([
        "0 full success",
        "60 full success",
        "120 full success",
      ]);
    },
    60_000,
  );
});
