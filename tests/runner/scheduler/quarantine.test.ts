/**
 * Quarantine: the pure decision (quarantine.ts, nextRun's quarantine branch)
 * and the daemon's schedule living through it over fake time with the real
 * engine, history and SSO — slowed to SYNC_QUARANTINE_INTERVAL after
 * SYNC_QUARANTINE_AFTER failed full syncs, ended by "Retry now" or a success.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { quarantineState } from "../../../runner/scheduler/quarantine.ts";
import { nextRun } from "../../../runner/scheduler/schedule.ts";
import { historyDoc } from "../support/fakes.ts";
import {
  type RecordedRun,
  type ScheduleHarness,
  scheduleHarness,
} from "../support/schedule-harness.ts";

const M = 60_000;
const H = 60 * M;
const T = new Date("2025-10-18T00:00:00Z").getTime();
const at = (min: number) => new Date(T + min * M);
const failed = (min: number, type: "full" | "delta" = "full") => ({
  ...historyDoc(type, "failed", at(min), at(min)),
  error: { code: "SCIM_HTTP", message: `HTTP 503 at ${min}` },
});

describe("quarantineState()", () => {
  test("is active after `after` failed full syncs in a row, since the one that tipped it, with the last error", () => {
    const h = [failed(0), failed(1), failed(3), failed(7)];
    expect(quarantineState(h, 3, null)).toEqual({
      active: true,
      failures: 4,
      since: at(3),
      lastError: "HTTP 503 at 7",
    });
    expect(quarantineState(h.slice(0, 2), 3, null).active).toBe(false);
  });

  test("ends at the first success (or partial run); 0 never quarantines", () => {
    const h = [failed(0), failed(1), failed(3), historyDoc("full", "success", at(5))];
    expect(quarantineState(h, 3, null)).toMatchObject({ active: false, failures: 0 });
    const p = [failed(0), failed(1), failed(3), historyDoc("full", "partial", at(5))];
    expect(quarantineState(p, 3, null).active).toBe(false);
    expect(quarantineState([failed(0), failed(1), failed(3)], 0, null).active).toBe(false);
  });

  test("an operator's retry forgives the failures before it", () => {
    const h = [failed(0), failed(1), failed(3), failed(10)];
    expect(quarantineState(h, 3, at(5))).toMatchObject({ active: false, failures: 1 });
  });

  test("interrupted runs and failed deltas neither count nor end it; aborted full syncs count", () => {
    const h = [
      failed(0),
      historyDoc("full", "interrupted", at(1)),
      failed(2, "delta"),
      { ...historyDoc("full", "aborted", at(3)), error: { code: "GUARD", message: "30 > 20" } },
      failed(4),
    ];
    expect(quarantineState(h, 3, null)).toMatchObject({ active: true, failures: 3 });
  });
});

describe("nextRun() while quarantined", () => {
  test("a full sync one quarantine interval after the last attempt, never a delta, reason quarantine", () => {
    expect(
      nextRun({
        now: at(10),
        intervalMs: H,
        deltaIntervalMs: 15 * M,
        jitterMs: 0,
        random: () => 0,
        lastFull: at(-120),
        lastDelta: at(-60),
        consecutiveFailures: 4,
        lastAttemptAt: at(7),
        deltaSupported: true,
        quarantineIntervalMs: 24 * H,
      }),
    ).toEqual({ at: at(7 + 24 * 60), type: "full", reason: "quarantine" });
  });
});

const shape = (runs: RecordedRun[]) =>
  runs.map((r) => `${r.minute} ${r.type === "scim_full_sync" ? "full" : "delta"} ${r.status}`);

describe("the daemon's schedule in quarantine (fake time, real engine and SSO)", () => {
  let h: ScheduleHarness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  test(
    "three failed full syncs slow the schedule to one a day; Retry now ends it; a success returns to normal",
    async () => {
      h = await scheduleHarness("quarantine", {
        SYNC_INTERVAL: "1h",
        SYNC_DELTA_INTERVAL: "15m",
        SCIM_MAX_RETRIES: "0",
        SYNC_QUARANTINE_AFTER: "3",
        SYNC_QUARANTINE_INTERVAL: "24h",
      });
      h.env.sso.sso.faults.add({ kind: "status", status: 503 });
      h.scheduler.start();
      await h.runFor(48 * H);
      // Backoff 1 and 2 minutes, then quarantined: the next try a day after the third.
      expect(shape(await h.runs())).toEqual([
        "0 full failed",
        "1 full failed",
        "3 full failed",
        `${3 + 24 * 60} full failed`,
      ]);
      expect(h.scheduler.quarantine).toMatchObject({ active: true, failures: 4 });
      expect(h.scheduler.nextRunAt?.getTime()).toBe(h.start.getTime() + (3 + 48 * 60) * M);

      // An operator presses Retry now: a full sync at once, the quarantine over for good.
      const retry = await h.scheduler.retryNow();
      expect(retry.ok).toBe(true);
      await h.runFor(0);
      expect(h.scheduler.quarantine).toMatchObject({ active: false, failures: 1 });
      // Back on the normal backoff (doubling, capped at the 1 h interval), not a day.
      const wait = h.scheduler.nextRunAt!.getTime() - h.time.clock.now().getTime();
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(H);

      h.env.sso.sso.faults.clear();
      await h.runFor(H);
      const after = shape(await h.runs()).slice(4).map((s) => s.split(" ").slice(1).join(" "));
      expect(after.slice(0, 3)).toEqual(["full failed", "full success", "delta success"]);
      expect(h.scheduler.quarantine).toMatchObject({ active: false, failures: 0 });
    },
    120_000,
  );
});
